"""pandas' reader options (dtype_backend, columns, dtype) and typing inside the CSV read, on files."""

from __future__ import annotations

import io
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

import explore_pandas as xp
from explore_pandas.emulator import data
from explore_pandas.exceptions import ParseError, ValidationError
from explore_pandas.frames import csvtypes
from explore_pandas.frames.parsing import parse_file
from explore_pandas.frames.shaping import present

START = datetime(2026, 3, 1, tzinfo=timezone.utc)
FORMATS = {"csv": "csv", "json": "json", "json_bulk": "jsonl"}
REPORTS = ["calls", "contacts", "messaging_contacts", "audit_logs", "explore_calls", "studio_flow_execution"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for report in REPORTS:
        for fmt, suffix in FORMATS.items():
            path = folder / f"{report}.{suffix}"
            data.write_report(path, report, fmt, START, START + timedelta(days=2), seed=7, rate=300, limit=400)
            out[report, fmt] = path
    return out


def _values(series: pd.Series) -> list[object]:
    values = series.array
    arr = pa.array(values) if hasattr(values, "__arrow_array__") else pa.Array.from_pandas(series)
    return arr.to_pylist()  # type: ignore[no-any-return]


def _read(path: Path, report: str, **options: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", xp.SchemaDriftWarning)
        frame = xp.read_file(path, report=report, tz="Europe/Lisbon", **options)  # type: ignore[arg-type]
    frame.attrs = {}
    return frame


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_pyarrow_backend_is_arrow_throughout_and_holds_the_same_values(files: dict, report: str, fmt: str) -> None:
    default = _read(files[report, fmt], report)
    arrow = _read(files[report, fmt], report, dtype_backend="pyarrow")
    assert list(arrow.columns) == list(default.columns) and len(arrow) == len(default)
    assert all(isinstance(dtype, pd.ArrowDtype) for dtype in arrow.dtypes)
    for key in default.columns:
        kind = default[key].dtype
        typ = arrow[key].dtype.pyarrow_dtype
        if isinstance(kind, pd.DatetimeTZDtype):
            assert typ == pa.timestamp("us", tz="Europe/Lisbon")
        elif kind == "timedelta64[us]":
            assert typ == pa.duration("us")
        elif isinstance(kind, pd.BooleanDtype):
            assert typ == pa.bool_()
        elif isinstance(kind, pd.CategoricalDtype):
            assert pa.types.is_dictionary(typ)
        assert _values(arrow[key]) == _values(default[key]), key


def test_pyarrow_backend_takes_less_memory(files: dict) -> None:
    default = _read(files["calls", "csv"], "calls")
    arrow = _read(files["calls", "csv"], "calls", dtype_backend="pyarrow")
    assert arrow.memory_usage(deep=True).sum() < 0.8 * default.memory_usage(deep=True).sum()
    assert pa.types.is_dictionary(arrow["user_name"].dtype.pyarrow_dtype)  # few names, many rows
    assert arrow["call_id"].dtype == pd.ArrowDtype(pa.string())  # unique: plain text


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_columns_keeps_those_in_that_order_and_types_them_as_always(files: dict, fmt: str) -> None:
    full = _read(files["calls", fmt], "calls")
    some = _read(files["calls", fmt], "calls", columns=["talk_time", "end_at", "type", "call_id"])
    assert list(some.columns) == ["talk_time", "end_at", "type", "call_id"]
    assert_frame_equal(some, full[["talk_time", "end_at", "type", "call_id"]])


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_dtype_overrides_after_the_registry(files: dict, fmt: str) -> None:
    frame = _read(files["calls", fmt], "calls", dtype={"talk_time": "float64", "user_name": "category"})
    assert frame["talk_time"].dtype == "float64" and isinstance(frame["user_name"].dtype, pd.CategoricalDtype)
    arrow = _read(files["calls", fmt], "calls", dtype_backend="pyarrow", dtype={"talk_time": "int32[pyarrow]"})
    assert arrow["talk_time"].dtype == "int32[pyarrow]"


def test_a_column_missing_from_the_file_is_all_null_of_its_kind_and_said(files: dict) -> None:
    with pytest.warns(xp.SchemaDriftWarning, match=r"columns asked for but not in the file \(read as empty\): "
                      r"\['start_time'\]"):  # a column of the pre-2026 layout, not of this v1 file
        frame = xp.read_file(files["calls", "csv"], report="calls",
                             columns=["call_id", "is_mood_prompted", "start_time"])
    assert list(frame.columns) == ["call_id", "is_mood_prompted", "start_time"]
    assert frame["start_time"].isna().all()
    assert str(frame["start_time"].dtype) == "datetime64[us, UTC]"  # the pre-2026 layout's type, not text


def test_columns_on_an_empty_file() -> None:
    frame = xp.read_file(io.BytesIO(b""), report="calls", format="csv", columns=["end_at", "type"])
    assert list(frame.columns) == ["end_at", "type"] and len(frame) == 0


@pytest.mark.parametrize(("options", "field", "words"), [
    ({"columns": ["strat_at"]}, "columns", "Did you mean 'start_at'"),
    ({"columns": "call_id"}, "columns", "list of column names"),
    ({"columns": []}, "columns", "at least one"),
    ({"columns": ["call_id", "call_id"]}, "columns", "more than once"),
    ({"dtype": {"talktime": "float64"}}, "dtype", "Did you mean 'talk_time'"),
    ({"dtype": {"talk_time": "no such dtype"}}, "dtype", "not a pandas dtype"),
    ({"dtype": {"talk_time": None}}, "dtype", "None for 'talk_time' is not a dtype"),
    ({"dtype": "float64"}, "dtype", "mapping"),
    ({"columns": ["call_id"], "dtype": {"talk_time": "float64"}}, "dtype", "not among columns"),
    ({"dtype_backend": "arrow"}, "dtype_backend", "'pyarrow'"),
])
def test_bad_options_name_the_field(options: dict, field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        xp.read_file("never-read.csv", report="calls", **options)
    assert caught.value.fields[0]["name"] == field
    assert words in str(caught.value)


@pytest.mark.parametrize(("dtype", "said"), [
    ({"user_name": "int64"}, "'user_name'"),
    ({"talk_time": "int8"}, r"'talk_time' \(Int64\) cannot become int8: its values run from \d+ to \d+, "
                            r"outside -128..127"),  # astype would wrap them
    ({"talk_time": "uint8"}, r"outside 0..255"),
    ({"talk_time": "int8[pyarrow]"}, r"outside -128..127"),
    ({"call_id": "int64"}, r"'call_id'.*cannot become int64"),  # an id too big for int64: not an OverflowError
])
def test_a_dtype_that_does_not_fit_is_a_parse_error_naming_the_column(files: dict, dtype: dict, said: str) -> None:
    with pytest.raises(ParseError, match=said) as caught:
        _read(files["calls", "csv"], "calls", dtype=dtype)
    assert "Give it a dtype that holds every value" in str(caught.value)


@pytest.mark.parametrize(("column", "values", "dtype", "said"), [
    ("t", pd.to_datetime(["2026-01-01 10:22:26.987654"]).tz_localize("UTC"), "datetime64[s, UTC]",
     "1 values would change"),                                            # fractions of a second cut
    ("n", pd.array([70000], dtype="Int64"), "float16", "too large for it"),   # inf
    ("f", [1e40], "float32", "too large for it"),
    ("n", pd.array([9007199254740993], dtype="Int64"), "float64", "would become"),  # beyond 2**53
    ("c", pd.Categorical(["outbound", "inbound"]), pd.CategoricalDtype(["inbound"]), "would become missing"),
])
def test_a_conversion_that_changes_a_value_is_refused(column: str, values: object, dtype: object, said: str) -> None:
    """Break-it 16, second pass: dtype= still lost values beyond integer overflow."""
    from explore_pandas.frames.shaping import apply_dtype

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning either: the check says it
        with pytest.raises(ParseError, match=rf"column '{column}' .*cannot become .*{said}"):
            apply_dtype(pd.DataFrame({column: values}), {column: dtype})


@pytest.mark.parametrize(("values", "dtype", "said"), [
    (pd.array(["9007199254740993", "12"], dtype="str"), "float64", "9007199254740993 would become 9007199254740992.0"),
    (pd.array(["9007199254740993"], dtype="str"), "double[pyarrow]", "a float holds about 15 digits"),
    (pd.array([1.5, 2.0], dtype="double[pyarrow]"), "Int64", r"it holds fractions \(e.g. 1.5\)"),
    (pd.array([776], dtype="Int64"), "datetime64[us, UTC]", "numbers are not times"),
])
def test_text_digits_arrow_fractions_and_epochs_are_refused_by_name(values: object, dtype: str, said: str) -> None:
    """Break-it 16, third look: text IDs made floats lost digits; Arrow floats raised a bare error."""
    from explore_pandas.frames.shaping import apply_dtype

    with pytest.raises(ParseError, match=rf"column 'x' .*cannot become .*{said}"):
        apply_dtype(pd.DataFrame({"x": values}), {"x": dtype})


def test_seconds_become_durations_as_seconds_and_a_narrower_float_rounds() -> None:
    from explore_pandas.frames.shaping import apply_dtype

    frame = pd.DataFrame({"talk_time": pd.array([1, 120, None], dtype="Int64"), "x": [0.1, 2.5, None]})
    arrow = frame.assign(talk_time=frame["talk_time"].astype("int64[pyarrow]"))
    for wanted in ("timedelta64[ns]", "timedelta64[ms]", "timedelta64[s]", "duration[s][pyarrow]",
                   "duration[ms][pyarrow]"):  # not 120 nanoseconds, in any unit, from either backend
        for source in (frame, arrow):
            got = apply_dtype(source.copy(), {"talk_time": wanted})["talk_time"]
            assert got.iloc[1] == pd.Timedelta(seconds=120) and got.isna().iloc[2], wanted
    assert apply_dtype(frame.copy(), {"x": "float32"})["x"].dtype == "float32"  # asked for: it rounds


def test_a_float_with_fractions_is_not_truncated_into_an_integer() -> None:
    from explore_pandas.frames.shaping import apply_dtype

    frame = pd.DataFrame({"x": pd.Series([1.5, 2.0, None], dtype="Float64"), "y": pd.Series([1.0, None, 3.0])})
    with pytest.raises(ParseError, match=r"'x' .*it holds fractions \(e.g. 1.5\)"):
        apply_dtype(frame, {"x": "Int64"})
    assert str(apply_dtype(frame, {"y": "Int64"})["y"].tolist()) == "[1, <NA>, 3]"


def test_pyarrow_text_with_missing_values_becomes_a_category(files: dict) -> None:
    frame = _read(files["calls", "csv"], "calls", dtype_backend="pyarrow", dtype={"user_name": "category"})
    default = _read(files["calls", "csv"], "calls")
    assert frame["user_name"].isna().any()  # the case Arrow's zero-copy cast refused
    got, want = frame["user_name"], default["user_name"]
    assert isinstance(got.dtype, pd.CategoricalDtype) and got.isna().tolist() == want.isna().tolist()
    assert [str(v) for v in got.dropna()] == [str(v) for v in want.dropna()]


def test_a_column_the_registry_does_not_know_can_be_chosen_and_typed(tmp_path: Path) -> None:
    """A column the API added since (kept with a drift warning) is selectable; a near miss of a
    known column is still a typo (break-it 16, second pass: 'extra_big' was refused)."""
    path = tmp_path / "c.json"
    path.write_text('{"entries": [{"call_id": "c1", "end_at": "2026-04-23T10:25:26Z", "extra_big": 7}], "total": 1}')
    frame = xp.read_file(path, report="calls", columns=["call_id", "extra_big"], dtype={"extra_big": "float64"})
    assert frame["extra_big"].tolist() == [7.0] and frame["extra_big"].dtype == "float64"
    with pytest.warns(xp.SchemaDriftWarning, match=r"asked for but not in the file \(read as empty\): \['brand_new'\]"):
        absent = xp.read_file(path, report="calls", columns=["call_id", "brand_new"])
    assert absent["brand_new"].isna().all()
    for typo in ("talktime", "TALK_TIME", "Talk time"):
        with pytest.raises(ValidationError, match="Did you mean 'talk_time'"):
            xp.read_file(path, report="calls", columns=[typo])
    csv = tmp_path / "c.csv"
    csv.write_text("Call Id,End At,My Extra Id\r\nc1,2026-04-23T10:25:26Z,x9\r\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", xp.SchemaDriftWarning)
        only_new = xp.read_file(csv, report="calls", columns=["my_extra_id"])  # no known column asked
    assert only_new["my_extra_id"].tolist() == ["x9"]


def test_an_undocumented_report_takes_any_column_name(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("A,B\n1,x\n")
    frame = xp.read_file(path, report="wfm_timeseries", columns=["b"])
    assert list(frame.columns) == ["b"]


# -- typing inside the CSV read ----------------------------------------------------------------

def _text_read(path: Path, report: str) -> pd.DataFrame:
    """The exact path: every column read as text, typed afterwards."""
    original = csvtypes._typed
    try:
        csvtypes._typed = lambda labels, keys, schema, zones: csvtypes.text_types(labels)  # type: ignore[assignment]
        return _read(path, report)
    finally:
        csvtypes._typed = original  # type: ignore[assignment]


@pytest.mark.parametrize("report", REPORTS)
def test_typed_in_the_read_equals_typed_afterwards(files: dict, report: str) -> None:
    assert_frame_equal(_read(files[report, "csv"], report), _text_read(files[report, "csv"], report))


@pytest.mark.parametrize("block", [2048, 3001, 8192])
def test_line_breaks_in_values_at_any_block_boundary_read_exactly(files: dict, block: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _read(files["calls", "csv"], "calls")
    monkeypatch.setattr(csvtypes, "BLOCK", block)
    assert_frame_equal(_read(files["calls", "csv"], "calls"), expected)


def test_values_that_do_not_fit_their_type_fall_back_to_the_exact_read(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text('Call Id,Total Time,Is Transfer,Start At,Type,Notes\n'
                    '1,None,Yes,2026-04-23 10:22:26,inbound,"two\nlines"\n'
                    '2,12,maybe,2026-04-23 9:00:00,,\n'
                    '3,,no,2026-04-23T10:22:26Z,missed,x\n')
    with pytest.warns(xp.SchemaDriftWarning):
        frame = xp.read_file(path, report="calls", tz="UTC")
    assert frame["total_time"].tolist()[1:] == [12, pd.NA] and pd.isna(frame["total_time"][0])
    assert frame["notes"][0] == "two\nlines"
    assert frame["is_transfer"].dtype == object or frame["is_transfer"].dtype == "str"  # "maybe": not a flag
    assert frame["start_at"].tolist() == [pd.Timestamp("2026-04-23 10:22:26", tz="UTC"),
                                          pd.Timestamp("2026-04-23 09:00:00", tz="UTC"),
                                          pd.Timestamp("2026-04-23 10:22:26", tz="UTC")]


def test_present_is_the_identity_for_the_default_backend(files: dict) -> None:
    frame = parse_file(files["calls", "csv"], report="calls", format="csv", tz="UTC").frame
    assert present(frame) is frame


@pytest.mark.parametrize("block", [4096, 1 << 22])
def test_line_breaks_only_after_the_first_bytes_still_read_exactly(tmp_path: Path, block: int,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast read is tried (the file's first 64 KiB have no line break in a value) and fails."""
    monkeypatch.setattr(csvtypes, "BLOCK", block)
    rows = [(f"id{i:06d}", f"plain note {i}", i) for i in range(3000)]
    rows += [(f"id{i:06d}", f"two\nlines {i}", i) for i in range(3000, 3600)]
    path = tmp_path / "calls.csv"
    path.write_text("Call Id,Notes,Total Time\n" + "".join(
        f'{a},"{b}",{c}\n' if "\n" in b else f"{a},{b},{c}\n" for a, b, c in rows), encoding="utf-8")
    assert not csvtypes.breaks_in_values(path.read_bytes()[:1 << 16])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", xp.SchemaDriftWarning)
        frame = xp.read_file(path, report="calls")
    assert frame["call_id"].tolist() == [a for a, _, _ in rows]
    assert frame["notes"].tolist() == [b for _, b, _ in rows]
    assert frame["total_time"].dtype == "Int64" and frame["total_time"].tolist() == [c for _, _, c in rows]


def test_the_layout_warning_judges_the_files_header_not_the_columns_read(tmp_path: Path) -> None:
    """A pre-2026 calls csv read with columns=['talk_time'] was told it fit two layouts alike and
    was read as 'the current one' (break-it 16, second pass)."""
    path = tmp_path / "pre.csv"
    path.write_text("Interaction ID,Call Type,Start Time,End Time,Talk Time\r\n"
                    "i1,inbound,2022-06-30 16:42:24,2022-06-30 16:44:24,0.001388889\r\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no layout warning: the header decides
        warnings.filterwarnings("ignore", message=".*missing", category=xp.SchemaDriftWarning)
        frame = xp.read_file(path, report="calls", columns=["talk_time"])
    assert frame["talk_time"].tolist() == [pd.Timedelta(seconds=120)]
