"""A pull of a report in another published layout, end to end against the emulator.

``Emulator(layouts={"calls": "pre2026"})`` serves the calls payload of before 11 May 2026
(``explore-api.md`` section 8.2); ``read_report`` must type it as fully as the current one.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from explore_pandas.api.client import Client
from explore_pandas.api.polling import PollPolicy
from explore_pandas.emulator import Emulator, data
from explore_pandas.engines.read import read_report
from explore_pandas.frames.layouts import layouts_of
from explore_pandas.frames.parsing import empty_frame, parse_file, read_file

FAST = PollPolicy(initial=0.02, maximum=0.1, timeout=60)
LISBON = ZoneInfo("Europe/Lisbon")
START, END = datetime(2026, 3, 28, 18, tzinfo=LISBON), datetime(2026, 3, 29, 6, tzinfo=LISBON)
SUFFIX = {"csv": ".csv", "json": ".json", "json_bulk": ".jsonl"}


@pytest.fixture
def old_calls() -> Iterator[Emulator]:
    with Emulator(seed=3, progression="immediate", layouts={"calls": "pre2026"},
                  rates={"calls": 400}) as emulator:
        yield emulator


def _pull(emu: Emulator, fmt: str) -> pd.DataFrame:
    with Client(**emu.credentials, timeout=(5, 30)) as client, warnings.catch_warnings():
        warnings.simplefilter("error")  # no drift: the registry knows the layout
        return read_report("calls", start=START, end=END, tz="Europe/Lisbon", format=fmt,
                           progress=False, poll=FAST, client=client)


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
def test_a_pull_of_the_pre2026_calls_layout_is_fully_typed(old_calls: Emulator, fmt: str) -> None:
    df = _pull(old_calls, fmt)
    truth = old_calls.truth("calls", START, END)
    assert len(df) == len(truth) > 0
    assert list(df.columns) == list(truth.columns) == layouts_of("calls")[1].keys
    expected = empty_frame("calls", tz="Europe/Lisbon", layout="pre2026")
    assert df.dtypes.astype(str).to_dict() == expected.dtypes.astype(str).to_dict()  # the layout's typed shape
    assert str(df["end_time"].dtype) == "datetime64[us, Europe/Lisbon]"
    assert df["end_time"].dt.tz_convert("UTC").tolist() == truth["end_time"].tolist()
    days = pd.to_timedelta((truth["talk_time"] * 86_400_000).round(), unit="ms")
    assert df["talk_time"].tolist() == days.tolist()
    assert df["in_business_hours?"].tolist() == (truth["in_business_hours?"] == "TRUE").tolist()
    assert df["transfer?"].tolist() == (truth["transfer?"] == "Yes").tolist()


def test_the_three_formats_of_a_layout_read_alike(old_calls: Emulator) -> None:
    frames = [_pull(old_calls, fmt) for fmt in sorted(SUFFIX)]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)


@pytest.mark.parametrize(("slug", "layout"), [("calls", "pre2026"), ("user_status", "reporting"),
                                               ("calls", "v1"), ("user_status", "explore")])
@pytest.mark.parametrize("fmt", sorted(SUFFIX))
def test_every_emulated_layout_is_recognised(tmp_path: Path, slug: str, layout: str, fmt: str) -> None:
    path = tmp_path / f"{slug}{SUFFIX[fmt]}"
    written = data.write_report(path, slug, fmt, START, END, seed=5, rate=300, layout=layout)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = parse_file(path, report=slug, format=fmt, tz="UTC")
        df = read_file(path, report=slug)
    assert parsed.layout == layout == df.attrs["explore"]["layout"]
    assert parsed.rows == written > 0


def test_an_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="layouts"):
        Emulator(layouts={"calls": "v0"})
