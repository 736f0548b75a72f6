"""Issue 12, second round: what a fresh tester found (each test is one kind, not one file)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from explore_pandas import read_file
from explore_pandas.exceptions import SchemaDriftWarning
from explore_pandas.frames.layouts import match_layout

# -- A3: columns that fit several layouts alike are the current layout, and that is said -------


@pytest.mark.parametrize("header", ["Talk Time,Csat Score,Agent Disconnected",
                                    "Talk Time,Ivr Options,Csat Score,Disposition Code,Rating Reason"])
def test_a_file_whose_columns_fit_both_layouts_is_the_current_one_with_a_warning(
        tmp_path: Path, header: str) -> None:
    path = tmp_path / "shared.csv"
    width = header.count(",") + 1
    path.write_text(header + "\n" + ",".join(["120", "5", "No", "x", "y"][:width]) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_file(path, report="calls")
    said = [str(w.message) for w in caught if issubclass(w.category, SchemaDriftWarning)]
    assert any("fit the layouts ['v1', 'pre2026'] alike" in m for m in said), said
    assert df.attrs["explore"]["layout"] == "v1"
    assert df["talk_time"].tolist() == [120]  # seconds, never 120 days


def test_a_tie_goes_to_the_only_layout_the_file_has_every_column_of() -> None:
    assert match_layout("calls", ["talk_time", "csat_score"]).layout == "v1"
    assert match_layout("calls", ["Talk Time"], labels=True).layout == "v1"
