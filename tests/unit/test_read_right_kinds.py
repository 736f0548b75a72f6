"""Issue 12, third round: kinds a break-it tester found (each test is one kind, in every format).

D2: a column with no value carries no type evidence when windows are combined.
D5: one missing-value rule (null, "" and "None", section 8.4) for every column, every format.
D6: datetimes with nanoseconds or a comma before the fraction are datetimes (microseconds).
D7: json_bulk lines that are no object, duplicate JSON keys, JSON keyed by display labels.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_parsing_cases import FORMATS, read_all, write

from explore_pandas.exceptions import ParseError, SchemaDriftWarning
from explore_pandas.frames.combine import harmonise
from explore_pandas.frames.parsing import read_file
from explore_pandas.pulls.assemble import concat_frames

DATA = Path(__file__).parents[1] / "data"
END = "2026-04-23T10:25:26Z"


def _quiet(path: Path, report: str = "calls") -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        return read_file(path, report=report)


def _read_all(tmp_path: Path, report: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    tmp_path.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        return read_all(tmp_path, report, records)


# -- D2: an all-null (or missing) column adopts the dtype of the windows that hold values ------

WITH = {"call_id": "1", "end_at": END, "big": 12345678901234567, "newflag": "Yes", "csat_score": 3,
        "when": "2026-04-23 10:00:00"}
EMPTY = {"call_id": "2", "end_at": END, "big": None, "newflag": None, "csat_score": None, "when": None}
MISSING = {"call_id": "3", "end_at": END}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("order", [(WITH, EMPTY), (EMPTY, WITH), (WITH, MISSING), (MISSING, EMPTY, WITH)])
def test_a_window_with_no_value_in_a_column_takes_the_other_windows_dtype(
        tmp_path: Path, fmt: str, order: tuple[dict[str, Any], ...]) -> None:
    frames = [_quiet(write(tmp_path / f"w{i}", fmt, [record])) for i, record in enumerate(order)]
    alone = _quiet(write(tmp_path / "alone", fmt, [WITH]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        both = concat_frames(frames, layouts=["v1"] * len(frames), report="calls")
    assert [str(w.message) for w in caught] == []  # no "all text" note: nothing disagreed
    for column in ("big", "newflag", "csat_score", "when"):
        assert both[column].dtype == alone[column].dtype, column
    has = both["call_id"].eq("1").tolist()
    assert both["big"].tolist() == [12345678901234567 if h else pd.NA for h in has]
    assert both["newflag"].tolist() == [True if h else pd.NA for h in has]
    assert both["csat_score"].tolist() == [3 if h else pd.NA for h in has]
    assert both["when"].isna().tolist() == [not h for h in has]
    assert both.loc[has, "when"].tolist() == [pd.Timestamp("2026-04-23 10:00:00", tz="UTC")]


def test_windows_that_disagree_on_values_still_become_text_and_say_so() -> None:
    frames = [pd.DataFrame({"x": pd.array([True], "boolean")}), pd.DataFrame({"x": ["maybe"]}),
              pd.DataFrame({"x": pd.Series([None], dtype="str")})]
    out, notes = harmonise(frames)
    assert [f["x"].tolist() for f in out][:2] == [["True"], ["maybe"]] and out[2]["x"].isna().all()
    assert len({str(f["x"].dtype) for f in out}) == 1
    text = str(pd.Series(["a"]).dtype)  # 'str' on pandas 3, 'object' before
    assert notes == [f"'x' has dtypes {sorted(['boolean', text])}: all text"]


def test_an_all_null_column_of_one_layout_takes_the_other_layouts_dtype() -> None:
    pre, v1 = _quiet(DATA / "calls_pre2026.json"), _quiet(DATA / "calls_v1.json")
    shared = [c for c in pre.columns if c in v1.columns and pre[c].dtype != v1[c].dtype]
    assert "talk_time" in shared  # a duration in pre2026, integer seconds in v1
    empty_pre = pre.assign(**{c: pd.Series(index=pre.index, dtype="str") for c in shared})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        both = concat_frames([empty_pre, v1], layouts=["pre2026", "v1"], report="calls")
    for column in shared:  # no value in pre2026: v1's values decide, and stay as they are
        assert both[column].dtype == v1[column].dtype, column
        assert both[column].iloc[len(pre):].tolist() == v1[column].tolist()


# -- D5: "None" is missing in every column, as "" and null are -------------------------------

def test_none_is_missing_in_text_columns_as_in_typed_ones_in_every_format(tmp_path: Path) -> None:
    calls = _read_all(tmp_path / "calls", "calls", [
        {"call_id": "c1", "end_at": END, "notes": "None", "user_name": "x", "type": "None",
         "talk_time": "None", "extra_text": "None", "extra_count": "None"},
        {"call_id": "c2", "end_at": END, "notes": "", "user_name": "None", "type": "inbound",
         "talk_time": 5, "extra_text": "a", "extra_count": "5"},
    ])
    assert calls["notes"].isna().tolist() == [True, True]
    assert calls["user_name"].tolist()[0] == "x" and pd.isna(calls["user_name"][1])
    assert list(calls["type"].cat.categories) == ["inbound"] and pd.isna(calls["type"][0])
    assert calls["talk_time"].isna().tolist() == [True, False]
    assert calls["extra_text"].isna().tolist() == [True, False]
    assert calls["extra_count"].dtype == "Int64" and calls["extra_count"].isna().tolist() == [True, False]
    assert calls["extra_count"][1] == 5
    status = _read_all(tmp_path / "status", "user_status", [
        {"user_id": "u1", "status_end_at": "2026-04-23 10:00:00", "team_id": "None", "team_name": "None"},
        {"user_id": "u2", "status_end_at": "2026-04-23 10:00:00", "team_id": "t1", "team_name": ""},
    ])
    assert status["team_id"].isna().tolist() == [True, False]
    assert status["team_name"].isna().tolist() == [True, True]


# -- D6: nanoseconds are truncated to microseconds; a comma may start the fraction -------------

@pytest.mark.parametrize(("text", "want"), [
    ("2026-04-23T10:22:26.123456789Z", "2026-04-23 10:22:26.123456"),
    ("2026-04-23T10:22:26.1234567+01:00", "2026-04-23 09:22:26.123456"),
    ("2026-04-23 10:22:26,123", "2026-04-23 10:22:26.123"),
    ("2026-04-23T10:22:26,5Z", "2026-04-23 10:22:26.5"),
    ("2026-04-23 9:22:26.999999999", "2026-04-23 09:22:26.999999"),
])
def test_nanoseconds_and_comma_fractions_are_datetimes_in_known_and_unknown_columns(
        tmp_path: Path, text: str, want: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_all(tmp_path, "calls", [
            {"call_id": "c1", "start_at": text, "end_at": END, "extra_at": text},
            {"call_id": "c2", "start_at": "2026-04-23 10:00:00", "end_at": END, "extra_at": None},
        ])
    assert not [w for w in caught if "is not datetime" in str(w.message)]
    for column in ("start_at", "extra_at"):
        assert str(df[column].dtype) == "datetime64[us, UTC]", column
        assert df[column][0] == pd.Timestamp(want, tz="UTC"), column


# -- D7: no invented rows, no silently dropped values, and a json keyed by labels is named -----

ENTRY = '{"call_id": "c1", "end_at": "2026-04-23T10:25:26Z", "talk_time": 1}'


@pytest.mark.parametrize(("name", "body", "where"), [
    ("a.jsonl", ENTRY + "\nnull\n" + ENTRY + "\n", "line 2: null, not a JSON object"),
    ("b.jsonl", ENTRY + "\n[1, 2]\n", "line 2: an array, not a JSON object"),
    ("c.jsonl", ENTRY + "\n\n5\n", "line 3: a number, not a JSON object"),
    ("d.json", '{"entries": [' + ENTRY + ", null], \"total\": 2}", "entry 2: null, not a JSON object"),
    ("e.json", '{"entries": [null, ' + ENTRY + '], "total": 2}', "entry 1: null, not a JSON object"),
    ("f.jsonl", "null\n" + ENTRY + "\n", "line 1: null, not a JSON object"),  # not "looks like a csv"
])
def test_an_entry_that_is_no_object_is_a_parse_error_at_its_place(tmp_path: Path, name: str, body: str,
                                                                  where: str) -> None:
    (tmp_path / name).write_text(body)
    with pytest.raises(ParseError, match=where):
        read_file(tmp_path / name, report="calls")


@pytest.mark.parametrize(("name", "body", "where"), [
    ("a.jsonl", ENTRY + '\n{"call_id": "c2", "talk_time": 60, "talk_time": 61}\n', "line 2"),
    ("b.json", '{"entries": [' + ENTRY + ', {"call_id": "c2", "talk_time": 60, "talk_time": 61}], "total": 2}',
     "entry 2"),
    ("c.csv", "Call Id,End At,Talk Time\r\nc1,2026-04-23T10:25:26Z,1\r\nc2,,60,61\r\n", None),
])
def test_a_repeated_key_keeps_both_values_as_a_repeated_csv_header_does(
        tmp_path: Path, name: str, body: str, where: str | None) -> None:
    if where is None:  # the csv: the header names Talk Time twice
        body = "Call Id,End At,Talk Time,Talk Time\r\nc1,2026-04-23T10:25:26Z,1,\r\nc2,,60,61\r\n"
    (tmp_path / name).write_text(body)
    with pytest.warns(SchemaDriftWarning) as caught:
        df = read_file(tmp_path / name, report="calls")
    said = " ".join(str(w.message) for w in caught)
    assert "new ['talk_time_2']" in said
    if where is not None:
        assert f"{where} has the key 'talk_time' more than once" in said
    assert df["talk_time"].tolist() == [1, 60]
    assert df["talk_time_2"].isna().tolist() == [True, False] and df["talk_time_2"][1] == 61


@pytest.mark.parametrize("name", ["labels.json", "labels.jsonl"])
def test_a_json_keyed_by_display_labels_says_so(tmp_path: Path, name: str) -> None:
    entry = {"Call ID": "c1", "End At": "2026-04-23T10:25:26Z", "Talk Time": 5}
    body = json.dumps({"entries": [entry], "total": 1}) if name.endswith(".json") else json.dumps(entry) + "\n"
    (tmp_path / name).write_text(body)
    with pytest.raises(ParseError, match=r"keyed by the csv display labels .*'Call ID': 'call_id'.*snake_case"):
        read_file(tmp_path / name, report="calls")


def test_a_repeat_whose_numbered_name_is_taken_takes_the_next_free_one(tmp_path: Path) -> None:
    """{"talk_time": 5, "talk_time": 6, "talk_time_2": 7} lost the 6 (break-it 12, third look)."""
    path = tmp_path / "r.jsonl"
    path.write_text('{"call_id": "c1", "end_at": "2026-04-23T10:25:26Z", "talk_time": 5, "talk_time": 6, '
                    '"talk_time_2": 7}\n')
    with pytest.warns(SchemaDriftWarning):
        df = read_file(path, report="calls")
    assert (df["talk_time"][0], df["talk_time_3"][0], df["talk_time_2"][0]) == (5, 6, 7)
