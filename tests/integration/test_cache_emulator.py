"""The cache of parsed windows against the emulator: requests counted where they arrive."""

from __future__ import annotations

import io
import os
import stat
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import explore_pandas as xp
from explore_pandas.api.client import Client
from explore_pandas.api.polling import PollPolicy
from explore_pandas.cli.main import main
from explore_pandas.emulator import Emulator
from explore_pandas.pulls.cache import WindowCache

FAST = PollPolicy(initial=0.05, maximum=0.2, timeout=60)
LISBON = ZoneInfo("Europe/Lisbon")
# Three windows (31 + 31 + 30 days), all long over: their rows are complete.
SPAN = {"start": datetime(2026, 8, 1, tzinfo=LISBON), "end": datetime(2026, 11, 1, tzinfo=LISBON)}


def _cache(emu: Emulator) -> WindowCache:
    """The cache of an emulator running in this process: in its own folder, gone with it."""
    return WindowCache(emu.ledger_directory / "frames")


@pytest.fixture
def fast_client(emu: Emulator) -> Any:
    with Client(**emu.credentials, timeout=(5, 30)) as client:
        yield client


def _pull(client: Client, span: dict[str, datetime] = SPAN, **options: Any) -> pd.DataFrame:
    return xp.read_report("calls", tz="Europe/Lisbon", client=client, progress=False, poll=FAST,
                          **span, **options)


def _requests(emu: Emulator) -> int:
    return sum(emu.stats()["requests"].values())


def _bare(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.attrs = {}
    return frame


def test_a_cached_pull_sends_no_request_and_returns_an_equal_frame(emu: Emulator, fast_client: Client) -> None:
    first = _pull(fast_client)
    assert first.attrs["explore"]["cached"] == []
    before, tokens = _requests(emu), emu.stats()["tokens_issued"]
    with Client(**emu.credentials) as other:  # a new client: it has no token yet, and needs none
        again = _pull(other)
    assert _requests(emu) == before and emu.stats()["tokens_issued"] == tokens
    assert [w["cached"] for w in again.attrs["explore"]["windows"]] == [True, True, True]
    assert len(again.attrs["explore"]["cached"]) == 3
    assert [w["job_id"] for w in again.attrs["explore"]["windows"]] == first.attrs["explore"]["jobs"]
    assert_frame_equal(_bare(again), _bare(first), check_categorical=True, check_exact=True)
    assert list(again["type"].cat.categories) == list(first["type"].cat.categories)


@pytest.mark.parametrize("fmt", ["json", "json_bulk"])
def test_the_key_is_not_the_format(emu: Emulator, fast_client: Client, fmt: str) -> None:
    csv = _pull(fast_client)
    before = _requests(emu)
    other = _pull(fast_client, format=fmt)
    assert _requests(emu) == before
    assert_frame_equal(_bare(other), _bare(csv))


def test_a_partly_cached_range_fetches_only_the_rest(emu: Emulator, fast_client: Client) -> None:
    _pull(fast_client, {"start": SPAN["start"], "end": datetime(2026, 9, 1, tzinfo=LISBON)})
    jobs = len(emu.jobs())
    whole = _pull(fast_client)
    assert len(emu.jobs()) == jobs + 2
    assert [w["cached"] for w in whole.attrs["explore"]["windows"]] == [True, False, False]
    fresh = _pull(fast_client, fresh=True)
    assert_frame_equal(_bare(whole), _bare(fresh))


def test_fresh_reads_nothing_from_the_cache_and_stores_the_new_rows(emu: Emulator, fast_client: Client) -> None:
    _pull(fast_client)
    jobs = len(emu.jobs())
    again = _pull(fast_client, fresh=True)
    assert len(emu.jobs()) == jobs + 3
    assert again.attrs["explore"]["cached"] == []


def test_rows_older_than_max_age_are_fetched_again(emu: Emulator, fast_client: Client) -> None:
    _pull(fast_client)
    jobs = len(emu.jobs())
    _pull(fast_client, max_age=timedelta(days=1))
    assert len(emu.jobs()) == jobs
    # rows (and the ledger's jobs) from more than a microsecond ago are too old: new jobs
    expired = _pull(fast_client, max_age=timedelta(microseconds=1))
    assert len(emu.jobs()) == jobs + 3 and expired.attrs["explore"]["cached"] == []


def test_a_window_not_yet_complete_is_not_kept(emu: Emulator, fast_client: Client, window: Any) -> None:
    recent = window(hours=2, ago=0.05)  # ended 3 minutes ago: within the data latency
    with pytest.warns(xp.DataLatencyWarning):
        _pull(fast_client, recent)
    assert _cache(emu).files() == []
    _pull(fast_client, window(hours=2, ago=1))
    assert len(_cache(emu).files()) == 1


def test_cache_files_are_the_users_own(emu: Emulator, fast_client: Client) -> None:
    _pull(fast_client)
    files = _cache(emu).files()
    assert len(files) == 3
    assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files)


def test_a_corrupt_file_is_dropped_and_its_window_fetched_again(emu: Emulator, fast_client: Client) -> None:
    first = _pull(fast_client)
    victim = _cache(emu).files()[0]
    victim.write_bytes(victim.read_bytes()[:200])  # cut short
    before = emu.stats()["requests"].get("storage", 0)
    again = _pull(fast_client)
    assert emu.stats()["requests"]["storage"] == before + 1  # that window's file, downloaded again
    assert sum(not w["cached"] for w in again.attrs["explore"]["windows"]) == 1
    assert_frame_equal(_bare(again), _bare(first))
    assert len(_cache(emu).files()) == 3  # stored again


def test_columns_and_dtype_backend_read_from_the_cache(emu: Emulator, fast_client: Client) -> None:
    full = _pull(fast_client)
    before = _requests(emu)
    lean = _pull(fast_client, columns=["end_at", "user_name", "type", "talk_time"], dtype_backend="pyarrow",
                 dtype={"talk_time": "float64"})
    assert _requests(emu) == before
    assert list(lean.columns) == ["end_at", "user_name", "type", "talk_time"]
    assert all(isinstance(t, pd.ArrowDtype) for t in lean.dtypes.drop("talk_time"))
    assert str(lean["end_at"].dtype) == "timestamp[us, tz=Europe/Lisbon][pyarrow]"
    assert lean["talk_time"].dtype == "float64"
    assert lean["end_at"].tolist() == full["end_at"].tolist()
    assert lean["user_name"].astype(object).where(lean["user_name"].notna(), None).tolist() == \
        full["user_name"].astype(object).where(full["user_name"].notna(), None).tolist()


def test_the_cache_command_lists_sizes_and_clears(emu: Emulator) -> None:
    # the command shows the user's cache: pull as an account would (the emulator by another name,
    # not one this process serves), so that the frames land there
    creds = {k: v.replace("127.0.0.1", "localhost") for k, v in emu.credentials.items()}
    fast_client = Client(**creds, timeout=(5, 30))
    _pull(fast_client)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["cache"]) == 0
        assert main(["cache", "size"]) == 0
    text = out.getvalue()
    assert "3 cached windows" in text and "calls" in text and "Europe/Lisbon" in text
    port = creds["base_url"].split(":")[-1].split("/")[0]
    assert text.count(f"localhost:{port}") == 3  # the API each window came from
    with redirect_stdout(io.StringIO()) as cleared:
        assert main(["cache", "clear"]) == 0
    assert "Removed 3" in cleared.getvalue()
    assert WindowCache().files() == []
    _pull(fast_client)
    assert xp.clear_cache() == 3
    fast_client.close()


def test_a_cap_of_zero_turns_the_cache_off(emu: Emulator, fast_client: Client,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORE_CACHE_MAX_BYTES", "0")
    _pull(fast_client)
    assert not Path(_cache(emu).directory).exists() or _cache(emu).files() == []


def test_a_split_pull_runs_again_from_the_cache_without_a_request(emu: Emulator, fast_client: Client) -> None:
    """A window at the row limit is recorded as such: a re-run splits it without asking for its
    file again, and its halves (and theirs) come from the cache (issue 16, break-it 4: every
    re-run sent 116 requests)."""
    emu.configure(row_limit=500, total="matching")
    span = {"start": datetime(2026, 8, 1, tzinfo=LISBON), "end": datetime(2026, 8, 4, tzinfo=LISBON)}
    first = _pull(fast_client, span, format="json", on_row_limit="split")
    assert len(first.attrs["explore"]["windows"]) > 1 and not first.explore.truncated  # it split
    truth = emu.truth("calls", span["start"], span["end"])["call_id"].astype(str).tolist()
    assert first["call_id"].tolist() == truth
    before = _requests(emu)
    again = _pull(fast_client, span, format="json", on_row_limit="split")
    assert _requests(emu) == before
    assert all(w["cached"] for w in again.attrs["explore"]["windows"])
    assert_frame_equal(_bare(again), _bare(first))
    other = _pull(fast_client, span, format="json_bulk", on_row_limit="split")  # the limit counts rows
    assert _requests(emu) == before and other["call_id"].tolist() == truth
    fresh = _pull(fast_client, span, format="json", on_row_limit="split", fresh=True)
    assert _requests(emu) > before and fresh["call_id"].tolist() == truth  # fresh asks again, whole


def test_clear_cache_empties_the_cache_of_the_emulator_this_kernel_serves(emu: Emulator,
                                                                          fast_client: Client) -> None:
    """A notebook on xp.Emulator() keeps its windows in the emulator's folder: clear_cache() is
    how to fetch them again (break-it 16.6: it cleared only $EXPLORE_CACHE_DIR)."""
    _pull(fast_client)
    assert len(_cache(emu).files()) == 3
    assert xp.clear_cache() == 3 and _cache(emu).files() == []
    before = _requests(emu)
    _pull(fast_client)
    assert _requests(emu) > before  # fetched again


def test_a_cache_folder_that_is_a_file_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path))
    (tmp_path / "frames").write_text("not a folder")
    assert main(["cache"]) == 1
    said = capsys.readouterr().err.strip()
    assert said == (f"explore-pandas: ExploreError: the cache folder {tmp_path / 'frames'} is a file, not a folder, "
                    "so no window is cached: remove or rename it (or set EXPLORE_CACHE_DIR to another folder).")


def test_rows_read_with_replaced_bytes_are_not_kept_for_a_strict_read(emu: Emulator, fast_client: Client) -> None:
    _pull(fast_client, encoding_errors="replace")
    assert _cache(emu).files() == []  # a strict read later must read the file, and fail if it is not UTF-8
    _pull(fast_client)
    assert len(_cache(emu).files()) == 3
    before = _requests(emu)
    _pull(fast_client, encoding_errors="replace")  # a strict frame answers a lenient read
    assert _requests(emu) == before
