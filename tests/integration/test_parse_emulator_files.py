"""Every report type the emulator writes, in all three formats, parsed by the client.

The emulator's generator is the independent oracle: its ground truth gives the instants,
its writer the row count; the parser's registry was written separately from the spec.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from explore_pandas.frames.parsing import parse_file, read_file
from explore_pandas.frames.schemas import REGISTRY

data = pytest.importorskip("explore_pandas.emulator.data")

SUFFIX = {"csv": ".csv", "json": ".json", "json_bulk": ".jsonl"}
# A window across Europe/Lisbon's spring-forward (2026-03-29 01:00 UTC).
START = datetime(2026, 3, 28, 18, tzinfo=timezone.utc)
END = datetime(2026, 3, 29, 6, tzinfo=timezone.utc)
TZ = "Europe/Lisbon"
SEED = 11


def _write_and_parse(tmp_path: Path, slug: str, fmt: str) -> tuple[pd.DataFrame, int]:
    path = tmp_path / f"{slug}{SUFFIX[fmt]}"
    written = data.write_report(path, slug, fmt, START, END, seed=SEED, rate=400)
    with warnings.catch_warnings():
        # No SchemaDriftWarning for the emulator's columns (the pytest config makes any
        # warning an error too; this keeps the intent explicit).
        warnings.simplefilter("error")
        parsed = parse_file(path, report=slug, format=fmt, tz=TZ)
    assert parsed.rows == written
    if fmt == "json":
        assert parsed.total == written
    return parsed.frame, written


@pytest.mark.parametrize("slug", sorted(REGISTRY))
def test_three_formats_give_the_same_typed_frame(tmp_path: Path, slug: str) -> None:
    frames = {fmt: _write_and_parse(tmp_path, slug, fmt)[0] for fmt in SUFFIX}
    pd.testing.assert_frame_equal(frames["csv"], frames["json"])
    pd.testing.assert_frame_equal(frames["csv"], frames["json_bulk"])

    df = frames["json"]
    truth = data.generate(slug, START, END, seed=SEED, rate=400)
    assert len(df) == len(truth) > 0
    assert list(df.columns) == list(truth.columns)
    schema = REGISTRY[slug]
    datetimes = [c for c in df.columns if isinstance(df[c].dtype, pd.DatetimeTZDtype)]
    # Every ground-truth datetime column is a tz-aware column holding the same instants.
    truth_datetimes = [c for c in truth.columns if isinstance(truth[c].dtype, pd.DatetimeTZDtype)]
    assert datetimes == truth_datetimes
    for key in datetimes:
        assert str(df[key].dtype) == f"datetime64[us, {TZ}]"
        expected = truth[key].dt.tz_convert(TZ).astype(df[key].dtype)
        pd.testing.assert_series_equal(df[key], expected, check_names=False)
    for column in schema.columns:
        if column.key not in df:
            continue
        if column.kind == "id":
            assert df[column.key].dtype == pd.Series(["text"]).dtype, column.key  # str (pandas 3), object before
        if column.kind == "bool":
            assert df[column.key].dtype == "boolean", column.key
    if schema.timespan_field:
        assert df[schema.timespan_field].notna().all()
        assert df[schema.timespan_field].is_monotonic_increasing


def test_read_file_infers_the_format_from_the_content(tmp_path: Path) -> None:
    frames = []
    for fmt in SUFFIX:
        path = tmp_path / f"download-{fmt}"  # no suffix: the content decides
        data.write_report(path, "contacts", fmt, START, END, seed=SEED, rate=200)
        frames.append(read_file(path, report="contacts", tz=TZ))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_durations_match_the_wire_values(tmp_path: Path) -> None:
    df, _ = _write_and_parse(tmp_path, "messaging_contacts", "csv")
    truth = data.generate("messaging_contacts", START, END, seed=SEED, rate=400)
    days = pd.to_timedelta((truth["contact_duration"] * 86_400_000).round(), unit="ms")
    pd.testing.assert_series_equal(
        df["contact_duration"], days.astype("timedelta64[us]"), check_names=False
    )
    parts = truth["contact_handle_time"].str.extract(r"(\d+)d (\d+)h (\d+)m (\d+)s").astype(int)
    seconds = parts[0] * 86_400 + parts[1] * 3_600 + parts[2] * 60 + parts[3]
    handle = pd.to_timedelta(seconds, unit="s")
    pd.testing.assert_series_equal(
        df["contact_handle_time"], handle.astype("timedelta64[us]"), check_names=False
    )


def test_the_row_cap_file_parses_with_its_total(tmp_path: Path) -> None:
    path = tmp_path / "calls.json"
    # A Saturday night in Lisbon, the account's zone: a 400-call day has a couple of dozen
    # calls in the window, so the cap is 20.
    written = data.write_report(path, "calls", "json", START, END, seed=SEED, rate=400,
                                limit=20, total=120)
    parsed = parse_file(path, report="calls", format="json", tz=TZ)
    assert (parsed.rows, parsed.total) == (written, 120) == (20, 120)
