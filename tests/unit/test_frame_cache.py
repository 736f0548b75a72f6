"""The cache of parsed windows on its own: keys, round trips, age, eviction, corruption, concurrency."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import explore_pandas as xp
from explore_pandas.exceptions import ConfigurationError, ValidationError
from explore_pandas.frames import schemas
from explore_pandas.pulls import cache as cache_module
from explore_pandas.pulls.cache import WindowCache, registry_version
from explore_pandas.pulls.options import PullOptions

DATA = Path(__file__).parents[1] / "data"
NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)
KEY = {"api": "https://api.talkdeskapp.com", "account": "acme", "report": "calls", "timezone": "Europe/Lisbon",
       "start": datetime(2026, 8, 1, tzinfo=timezone.utc), "end": datetime(2026, 9, 1, tzinfo=timezone.utc)}


def _frame(name: str = "calls_v1.csv", report: str = "calls") -> pd.DataFrame:
    frame = xp.read_file(DATA / name, report=report, tz="Europe/Lisbon")
    frame.attrs = {}
    return frame


def _store(store: WindowCache, key: str, frame: pd.DataFrame, *, created: datetime = NOW, **extra: object) -> bool:
    return store.store(key, frame, created_at=created, job_id="job-1", total=None, layout="v1", **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "report"), [
    ("calls_v1.csv", "calls"), ("calls_pre2026.json", "calls"), ("contacts.csv", "contacts"),
    ("messaging_contacts.jsonl", "messaging_contacts"), ("audit_logs.json", "audit_logs"),
    ("adherence.csv", "adherence"), ("wfm_team_schedule.csv", "wfm_team_schedule_report"),
    ("studio_flow_execution.json", "studio_flow_execution"), ("user_status_explore.json", "user_status"),
])
def test_a_frame_comes_back_equal(tmp_path: Path, name: str, report: str) -> None:
    store, frame = WindowCache(tmp_path), _frame(name, report)
    assert _store(store, "k", frame)
    hit = store.load("k", now=NOW)
    assert hit is not None and hit.job_id == "job-1" and hit.layout == "v1" and hit.created_at == NOW
    assert_frame_equal(hit.frame, frame, check_categorical=True, check_exact=True)


def test_an_empty_frame_comes_back_equal(tmp_path: Path) -> None:
    import io

    empty = xp.read_file(io.BytesIO(b""), report="calls", format="csv")
    empty.attrs = {}
    store = WindowCache(tmp_path)
    _store(store, "k", empty)
    hit = store.load("k", now=NOW)
    assert hit is not None
    assert_frame_equal(hit.frame, empty)


def test_the_key_is_the_account_report_zone_window_and_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    key = WindowCache.key(**KEY)  # type: ignore[arg-type]
    assert key == WindowCache.key(**{**KEY, "start": KEY["start"].astimezone(timezone(timedelta(hours=1)))})
    for change in ({"api": "https://api.talkdeskappeu.com"}, {"account": "other"}, {"report": "contacts"},
                   {"timezone": "UTC"}, {"end": datetime(2026, 8, 31, tzinfo=timezone.utc)}):
        assert WindowCache.key(**{**KEY, **change}) != key  # type: ignore[arg-type]
    version = registry_version()
    monkeypatch.setitem(schemas.REGISTRY, "calls", schemas.ReportSchema("calls", "end_at", schemas.CALLS.columns[:3]))
    assert registry_version() != version and WindowCache.key(**KEY) != key  # type: ignore[arg-type]


def test_rows_older_than_max_age_are_not_read(tmp_path: Path) -> None:
    store = WindowCache(tmp_path)
    _store(store, "k", _frame(), created=NOW - timedelta(days=2))
    assert store.load("k", now=NOW, max_age=timedelta(days=3)) is not None
    assert store.load("k", now=NOW, max_age=timedelta(days=1)) is None
    assert store.load("k", now=NOW + timedelta(days=30)) is None  # the default: 29 days


def test_some_columns_are_read_alone_and_a_partial_entry_serves_only_its_columns(tmp_path: Path) -> None:
    store, frame = WindowCache(tmp_path), _frame()
    _store(store, "full", frame)
    hit = store.load("full", columns=["end_at", "type"], now=NOW)
    assert hit is not None and list(hit.frame.columns) == ["end_at", "type"]
    assert_frame_equal(hit.frame, frame[["end_at", "type"]])
    _store(store, "part", frame[["end_at", "type"]], columns=["end_at", "type"])
    assert store.load("part", now=NOW) is None  # all columns asked: it holds two
    assert store.load("part", columns=["type"], now=NOW) is not None
    assert not _store(store, "full", frame[["type"]], columns=["type"])  # never narrows a full entry


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(p.read_bytes()[:100]),
    lambda p: p.write_bytes(b"not parquet at all"),
    lambda p: p.write_bytes(b""),
])
def test_a_corrupt_file_is_a_miss_and_is_deleted(tmp_path: Path, damage: object,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    store = WindowCache(tmp_path)
    _store(store, "k", _frame())
    damage(store.path("k"))  # type: ignore[operator]
    assert store.load("k", now=NOW) is None
    assert not store.path("k").exists()
    assert "dropped the unreadable cache file" in caplog.text


def test_files_are_0600_written_atomically(tmp_path: Path) -> None:
    store = WindowCache(tmp_path)
    _store(store, "k", _frame())
    assert stat.S_IMODE(os.stat(store.path("k")).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_the_least_recently_used_are_evicted_under_the_cap(tmp_path: Path) -> None:
    frame = _frame()
    probe = WindowCache(tmp_path / "probe")
    _store(probe, "x", frame)
    one = probe.size()
    store = WindowCache(tmp_path / "cache", max_bytes=int(one * 3.5))
    for index, key in enumerate("abc"):
        _store(store, key, frame)
        os.utime(store.path(key), (1000 + index, 1000 + index))
    assert store.load("a", now=NOW) is not None  # a is now the most recently used
    _store(store, "d", frame)
    assert sorted(p.stem for p in store.files()) == ["a", "c", "d"]
    assert store.size() <= store.max_bytes


def test_a_window_larger_than_the_cap_is_not_kept(tmp_path: Path) -> None:
    store = WindowCache(tmp_path, max_bytes=1000)  # a frame of a few rows takes more
    assert store.store("k", _frame(), created_at=NOW, job_id="j", total=None, layout=None) is False
    assert store.files() == [] and store.load("k", now=NOW) is None


def test_clear_and_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path))
    store = WindowCache()
    assert store.directory == tmp_path / "frames" and store.size() == 0 and xp.clear_cache() == 0
    _store(store, "a", _frame())
    _store(store, "b", _frame())
    assert store.size() > 0 and [e["rows"] for e in store.entries()] == [1, 1]
    assert xp.clear_cache() == 2 and store.files() == []


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("1_000_000", True), ("lots", False), ("-5", False)])
def test_the_size_cap_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, ok: bool) -> None:
    monkeypatch.setenv("EXPLORE_CACHE_MAX_BYTES", value)
    if ok:
        assert WindowCache().max_bytes == int(value.replace("_", ""))
    else:
        with pytest.raises(ConfigurationError, match="EXPLORE_CACHE_MAX_BYTES"):
            WindowCache()


def test_concurrent_threads_read_and_write_the_same_windows(tmp_path: Path) -> None:
    frame, errors = _frame(), []
    store = WindowCache(tmp_path, max_bytes=10**9)

    def work(seed: int) -> None:
        try:
            for i in range(15):
                key = f"k{(seed + i) % 3}"
                if i % 2:
                    _store(store, key, frame)
                else:
                    hit = store.load(key, now=NOW)
                    if hit is not None:
                        assert_frame_equal(hit.frame, frame)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(p.stem for p in store.files()) == ["k0", "k1", "k2"]


WRITER = """
import sys
from datetime import datetime, timezone
from pathlib import Path
import explore_pandas as xp
from pandas.testing import assert_frame_equal
from explore_pandas.pulls.cache import WindowCache
frame = xp.read_file(Path(sys.argv[2]), report="calls", tz="Europe/Lisbon")
frame.attrs = {}
store = WindowCache(sys.argv[1], max_bytes=10**9)
now = datetime(2026, 11, 20, tzinfo=timezone.utc)
for i in range(12):
    store.store(f"k{i % 2}", frame, created_at=now, job_id="job-1", total=None, layout="v1")
    hit = store.load(f"k{(i + 1) % 2}", now=now)
    if hit is not None:
        assert_frame_equal(hit.frame, frame)
"""


def test_concurrent_processes_never_see_half_a_file(tmp_path: Path) -> None:
    root = str(Path(__file__).parents[2])
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    argv = [sys.executable, "-c", WRITER, str(tmp_path), str(DATA / "calls_v1.csv")]
    processes = [subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], errors
    assert len(WindowCache(tmp_path).files()) == 2


@pytest.mark.parametrize(("options", "field"), [
    ({"max_age": 3600}, "max_age"), ({"max_age": timedelta(0)}, "max_age"),
    ({"dtype_backend": "numpy"}, "dtype_backend"), ({"columns": ["nope"], "report": "calls"}, "columns"),
    ({"dtype": {"nope": "int64"}, "report": "calls"}, "dtype"),
    ({"engine": "dask", "dtype_backend": "arrow"}, "dtype_backend"),
    ({"engine": "dask", "columns": ["call_idd"], "report": "calls"}, "columns"),
])
def test_pull_options_check_the_new_options_and_name_them(options: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PullOptions.resolve(**options)
    assert caught.value.fields[0]["name"] == field


def test_the_default_max_age_is_the_job_reuse_rule() -> None:
    assert cache_module.DEFAULT_MAX_AGE == timedelta(days=29)
