"""The ledger on disk: atomic, private, secret-free, and strict about what it reuses."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from explore_pandas.exceptions import ExploreWarning
from explore_pandas.pulls.ledger import Entry, Ledger, default_directory, window_key

NOW = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)


def _entry(**changes: object) -> Entry:
    values: dict[str, object] = dict(
        key="k1", job_id="job-1", report="calls", timezone="UTC", format="csv",
        start="2026-11-01T00:00:00+00:00", end="2026-11-02T00:00:00+00:00", name="n",
        api="https://api.talkdeskapp.com", client_id="cid", created_at=(NOW - timedelta(days=2)).isoformat(),
    )
    values.update(changes)
    return Entry(**values)  # type: ignore[arg-type]


def test_records_are_private_and_read_back(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "cache")
    ledger.record(_entry())
    path = tmp_path / "cache" / "jobs" / "k1.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
    assert ledger.find("k1") == _entry()
    assert ledger.update("k1", status="done", rows=5) == _entry(status="done", rows=5)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]  # no leftovers


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = Ledger(tmp_path)
    ledger.record(_entry())
    before = (tmp_path / "jobs" / "k1.json").read_text()

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        ledger.record(_entry(status="done"))
    assert (tmp_path / "jobs" / "k1.json").read_text() == before
    assert [p.name for p in (tmp_path / "jobs").iterdir()] == ["k1.json"]


def test_unreadable_files_are_skipped(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    ledger.record(_entry())
    (tmp_path / "jobs" / "broken.json").write_text("{not json")
    with pytest.warns(ExploreWarning, match=r"broken\.json \(JSONDecodeError\)") as seen:
        assert [e.key for e in ledger.entries()] == ["k1"]
    assert len(seen) == 1


@pytest.mark.parametrize(("changes", "reusable"), [
    ({}, True),
    ({"status": "done"}, True),
    ({"status": "failed"}, False),
    ({"status": "canceled"}, False),
    ({"status": "deleted"}, False),
    ({"created_at": (NOW - timedelta(days=29, hours=1)).isoformat()}, False),  # the file is about to go
    ({"end": "2026-11-27T11:58:00+00:00", "created_at": "2026-11-27T11:59:00+00:00"}, False),  # data not complete
    ({"end": "2026-11-27T11:50:00+00:00", "created_at": "2026-11-27T11:56:00+00:00"}, True),
])
def test_what_is_reused(changes: dict[str, object], reusable: bool) -> None:
    assert _entry(**changes).reusable(NOW) is reusable


def test_keys_separate_accounts_requests_and_zones() -> None:
    base = dict(api="https://api.talkdeskapp.com", client_id="a", report="calls", timezone="UTC", format="csv",
                start=datetime(2026, 1, 1, tzinfo=timezone.utc), end=datetime(2026, 1, 2, tzinfo=timezone.utc))
    key = window_key(**base)  # type: ignore[arg-type]
    for change in ({"api": "https://api.talkdeskapp.eu"}, {"client_id": "b"}, {"report": "contacts"},
                   {"timezone": "Europe/Lisbon"}, {"format": "json"},
                   {"end": datetime(2026, 1, 3, tzinfo=timezone.utc)}):
        assert window_key(**{**base, **change}) != key  # type: ignore[arg-type]


def test_the_default_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path / "x"))
    assert default_directory() == tmp_path / "x"
    monkeypatch.delenv("EXPLORE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_directory() == tmp_path / "xdg" / "explore_pandas"


def test_pulls_are_recorded(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    ledger.record_pull("p1", {"report": "calls", "started_at": "2026-11-27T10:00:00+00:00", "status": "running",
                              "start": "2026-11-01", "end": "2026-11-02", "tz": "UTC", "format": "csv",
                              "output": "x.csv"})
    assert ledger.pulls()[0]["id"] == "p1"
    assert json.loads((tmp_path / "pulls" / "p1.json").read_text())["status"] == "running"


@pytest.mark.parametrize(("name", "content"), [
    ("wrong-types.json", json.dumps({"key": 1, "job_id": ["x"], "report": "calls"})),
    ("missing.json", json.dumps({"key": "k9", "job_id": "j"})),
    ("latin1.json", b'{"key": "caf\xe9"}'),
    ("bad-date.json", json.dumps({**{k: "x" for k in ("key", "job_id", "report", "timezone", "format", "name",
                                                        "api", "client_id")},
                                  "start": "yesterday", "end": "2026-11-02T00:00:00+00:00",
                                  "created_at": "2026-11-02T00:00:00+00:00"})),
    ("naive-date.json", json.dumps({**{k: "x" for k in ("key", "job_id", "report", "timezone", "format", "name",
                                                         "api", "client_id")},
                                    "start": "2026-11-01T00:00:00", "end": "2026-11-02T00:00:00+00:00",
                                    "created_at": "2026-11-02T00:00:00+00:00"})),
    ("a-list.json", "[1, 2]"),
    ("bool-rows.json", json.dumps({**_entry(key="kb").__dict__, "rows": True})),
])
def test_a_malformed_job_record_is_skipped_with_one_warning_naming_it(tmp_path: Path, name: str,
                                                                     content: str | bytes) -> None:
    ledger = Ledger(tmp_path)
    ledger.record(_entry())
    path = tmp_path / "jobs" / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.warns(ExploreWarning, match=name.replace(".", r"\.")) as seen:
        assert [e.key for e in ledger.entries()] == ["k1"]
    assert len(seen) == 1
    with pytest.warns(ExploreWarning, match=name.replace(".", r"\.")):
        assert ledger.find(path.stem) is None


def test_a_folder_in_place_of_a_record_is_skipped(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    (tmp_path / "jobs" / "k2.json").mkdir(parents=True)
    with pytest.warns(ExploreWarning, match="k2.json"):
        assert ledger.find("k2") is None


@pytest.mark.parametrize("content", ['{"id": 3}', "[]", '{"id": "p", "output": 7}', b"\xff\xfe"])
def test_a_malformed_pull_record_is_skipped(tmp_path: Path, content: str | bytes) -> None:
    ledger = Ledger(tmp_path)
    ledger.record_pull("good", {"status": "running", "started_at": "2026-11-01T00:00:00+00:00", "output": "x.csv",
                                "report": "calls", "start": "2026-11-01", "end": "2026-11-02", "tz": "UTC",
                                "format": "csv"})
    (tmp_path / "pulls" / "bad.json").write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.warns(ExploreWarning, match=r"bad\.json"):
        assert [p["id"] for p in ledger.pulls()] == ["good"]


def test_an_unwritable_ledger_is_refused_naming_the_folder_and_the_variable(tmp_path: Path) -> None:
    from explore_pandas.exceptions import ExploreError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ExploreError, match=r"ledger folder .*file/ledger cannot be written.*EXPLORE_CACHE_DIR"):
        Ledger(blocker / "ledger").check_writable()
    Ledger(tmp_path / "fine").check_writable()  # creates what it needs, leaves no record
    assert list((tmp_path / "fine" / "jobs").iterdir()) == []


def test_one_rule_decides_when_rows_are_complete() -> None:
    from explore_pandas.pulls.ledger import complete_by

    end = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
    assert not complete_by(end, end + timedelta(minutes=4, seconds=59))
    assert complete_by(end, end + timedelta(minutes=5))


def test_a_pull_record_missing_what_resume_needs_is_skipped(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    good = {"status": "running", "started_at": "2026-11-01T00:00:00+00:00", "output": "x.csv", "report": "calls",
            "start": "2026-09-01", "end": "2026-09-02", "tz": "UTC", "format": "csv"}
    ledger.record_pull("good", good)
    ledger.record_pull("no-report", {k: v for k, v in good.items() if k != "report"})
    ledger.record_pull("odd-zone", {**good, "tz": ["x"]})
    with pytest.warns(ExploreWarning, match="not a pull record") as seen:
        assert [p["id"] for p in ledger.pulls()] == ["good"]
    assert len(seen) == 2
