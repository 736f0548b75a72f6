"""Property: the parsers give back the rows the emulator's generator wrote, in every format.

For random report types, formats, small windows, seeds and rates, the file that
``explore_pandas.emulator.data.write_report`` writes is parsed by ``parse_file`` /
``read_file`` into the rows ``data.generate`` produced: same count, same order, the
same instants in every datetime column, and the same values in the identifier,
integer, float and boolean columns (durations are covered by
tests/integration/test_parse_emulator_files.py). The generator and the parser's
schema registry were written separately, so the generator is an independent oracle.
"""

from __future__ import annotations

import tempfile
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explore_pandas.emulator import data
from explore_pandas.frames.layouts import LAYOUTS
from explore_pandas.frames.parsing import empty_frame, parse_file, read_file
from explore_pandas.frames.schemas import DURATION_KINDS, REGISTRY

SUFFIX = {"csv": ".csv", "json": ".json", "json_bulk": ".jsonl"}
ZONES = ["UTC", "Europe/Lisbon", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
         "America/Santiago", "Pacific/Chatham"]
EPOCH = datetime(2023, 1, 1, tzinfo=timezone.utc)

#: Every (report, layout) the emulator writes: the current layouts and the older ones.
REPORTS = [(slug, None) for slug in sorted(REGISTRY)] + [
    (slug, schema.layout) for slug, schemas in sorted(LAYOUTS.items()) for schema in schemas[1:]]

windows = st.builds(
    lambda offset, seconds: (EPOCH + timedelta(seconds=offset), EPOCH + timedelta(seconds=offset + seconds)),
    st.integers(0, 3 * 365 * 86_400),
    st.integers(1, 12 * 3_600),
)


def _same_values(key: str, got: pd.Series, want: pd.Series, kind: str | None) -> None:
    if kind == "id":  # an empty identifier reads as missing (CSV cannot tell them apart)
        want = want.where(want.astype(str) != "", None)
    assert got.isna().tolist() == want.isna().tolist(), key
    mask = want.notna().to_numpy()
    if isinstance(want.dtype, pd.DatetimeTZDtype):
        instants = got.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
        assert instants[mask].tolist() == want[mask].tolist(), key
    elif kind == "id":
        assert got[mask].astype(str).tolist() == want[mask].astype(str).tolist(), key
    elif pd.api.types.is_bool_dtype(want.dtype):
        assert got[mask].astype(bool).tolist() == want[mask].astype(bool).tolist(), key
    elif pd.api.types.is_integer_dtype(want.dtype):
        assert got[mask].astype("int64").tolist() == want[mask].astype("int64").tolist(), key
    elif pd.api.types.is_float_dtype(want.dtype):
        assert np.allclose(got[mask].astype(float), want[mask].astype(float), rtol=1e-9, atol=0), key
    else:
        raise AssertionError(f"not compared: {key}")


def _comparable(key: str, want: pd.Series, kind: str | None) -> bool:
    if kind in DURATION_KINDS or kind == "list":
        return False
    if isinstance(want.dtype, pd.DatetimeTZDtype):
        return True
    if kind == "id":
        return True
    dtype = want.dtype
    return (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype)
            or pd.api.types.is_float_dtype(dtype)) and kind not in ("category", "str", "id")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    report=st.sampled_from(REPORTS),
    fmt=st.sampled_from(sorted(SUFFIX)),
    window=windows,
    seed=st.integers(0, 2**31 - 1),
    rate=st.sampled_from([0.5, 20, 300, 1_000]),
    tz=st.sampled_from(ZONES),
    via_read_file=st.booleans(),
)
def test_parsers_give_back_the_generated_rows(report: tuple[str, str | None], fmt: str,
                                             window: tuple[datetime, datetime], seed: int, rate: float,
                                             tz: str, via_read_file: bool) -> None:
    slug, layout = report
    start, end = window
    truth = data.generate(slug, start, end, seed=seed, rate=rate, layout=layout)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"report{SUFFIX[fmt]}"
        written = data.write_report(path, slug, fmt, start, end, seed=seed, rate=rate, layout=layout)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no SchemaDriftWarning for the emulator's own files
            if via_read_file:
                frame, total = read_file(path, report=slug, tz=tz), None
            else:
                parsed = parse_file(path, report=slug, format=fmt, tz=tz)
                frame, total = parsed.frame, parsed.total
                assert parsed.rows == len(frame)
    assert written == len(truth) == len(frame)
    if fmt == "json" and total is not None:
        assert total == written
    if written == 0:
        return
    schema = next(s for s in LAYOUTS.get(slug, (REGISTRY[slug],)) if layout in (None, s.layout))
    compared = 0
    for key in truth.columns:
        column = schema.by_key.get(key)
        kind = column.kind if column is not None else None
        if not _comparable(key, truth[key], kind):
            continue
        assert key in frame.columns, key
        if isinstance(truth[key].dtype, pd.DatetimeTZDtype):
            assert str(frame[key].dtype) == f"datetime64[us, {tz}]", (key, frame[key].dtype)
        _same_values(key, frame[key].reset_index(drop=True), truth[key].reset_index(drop=True), kind)
        compared += 1
    assert compared >= 1, (slug, list(truth.columns))
    field = schema.timespan_field
    if field and field in frame.columns:
        assert frame[field].is_monotonic_increasing
        lo, hi = frame[field].min(), frame[field].max()
        assert lo >= pd.Timestamp(start) and hi < pd.Timestamp(end)


@settings(max_examples=40, deadline=None)
@given(
    slug=st.sampled_from(sorted(REGISTRY)),
    window=windows,
    seed=st.integers(0, 2**31 - 1),
    rate=st.sampled_from([20, 300]),
)
def test_the_three_formats_give_the_same_frame(slug: str, window: tuple[datetime, datetime], seed: int,
                                              rate: float) -> None:
    start, end = window
    frames = {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt, suffix in SUFFIX.items():
            path = Path(folder) / f"report{suffix}"
            data.write_report(path, slug, fmt, start, end, seed=seed, rate=rate)
            frames[fmt] = parse_file(path, report=slug, format=fmt, tz="Europe/Lisbon").frame
    pd.testing.assert_frame_equal(frames["csv"], frames["json"])
    pd.testing.assert_frame_equal(frames["csv"], frames["json_bulk"])


@pytest.mark.parametrize(("slug", "fmt"), [(slug, fmt) for slug in sorted(REGISTRY) for fmt in sorted(SUFFIX)])
def test_an_empty_file_parses_without_drift(tmp_path: Path, slug: str, fmt: str) -> None:
    # A window with no rows is routine (a quiet night): its file must parse silently to
    # the report's empty typed frame, the same in every format.
    path = tmp_path / f"empty{SUFFIX[fmt]}"
    start = datetime(2024, 2, 1, 5, tzinfo=timezone.utc)
    assert data.write_report(path, slug, fmt, start, start + timedelta(seconds=1), seed=0, rate=0.0) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = parse_file(path, report=slug, format=fmt, tz="Europe/Lisbon")
    assert parsed.rows == 0
    pd.testing.assert_frame_equal(parsed.frame, empty_frame(slug, tz="Europe/Lisbon"))
