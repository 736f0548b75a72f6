"""The ledger is input from disk: never trusted, never fatal (issue 13, points 4, 5, 6 and 9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from explore_pandas.api.client import Client
from explore_pandas.api.polling import PollPolicy
from explore_pandas.emulator import Emulator
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import ExploreError, ExploreWarning
from explore_pandas.pulls.ledger import Ledger


@pytest.fixture(autouse=True)
def _no_frame_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the job ledger: the cache of parsed windows would answer first."""
    monkeypatch.setenv("EXPLORE_CACHE_MAX_BYTES", "0")


FAST = PollPolicy(initial=0.05, maximum=0.2, timeout=60)
UTC = ZoneInfo("UTC")
SPAN = {"start": datetime(2026, 8, 1, tzinfo=UTC), "end": datetime(2026, 10, 1, tzinfo=UTC)}


@pytest.fixture
def fast_client(emu: Emulator) -> Client:
    with Client(**emu.credentials, timeout=(5, 30)) as client:
        yield client


def _pull(client: Client, **options: object) -> object:
    return read_report("calls", tz="UTC", client=client, progress=False, poll=FAST, **SPAN, **options)  # type: ignore[arg-type]


def _truth_ids(emu: Emulator) -> list[str]:
    return emu.truth("calls", SPAN["start"], SPAN["end"])["call_id"].tolist()  # type: ignore[no-any-return]


def test_malformed_records_cost_a_warning_and_a_new_job_not_the_pull(emu: Emulator, fast_client: Client) -> None:
    _pull(fast_client)
    ledger = Ledger(emu.ledger_directory)  # an emulator in this process: its own ledger
    files = sorted((ledger.directory / "jobs").glob("*.json"))
    assert len(files) == 2
    files[0].write_bytes(b'{"key": "caf\xe9"}')  # not UTF-8
    record = json.loads(files[1].read_text())
    files[1].write_text(json.dumps({**record, "created_at": 17}))  # a wrong type
    with pytest.warns(ExploreWarning, match="skipped the ledger record") as seen:
        df = _pull(fast_client)
    assert {str(w.message).split(" (")[0] for w in seen} == {f"skipped the ledger record {f}" for f in files}
    assert df["call_id"].tolist() == _truth_ids(emu)  # type: ignore[index]
    assert len(emu.jobs()) == 4  # the two windows asked again: their records were unusable


def test_an_entry_pointing_at_another_windows_job_is_ignored(emu: Emulator, fast_client: Client) -> None:
    _pull(fast_client)
    first, second = sorted((Ledger(emu.ledger_directory).directory / "jobs").glob("*.json"))
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    first.write_text(json.dumps({**a, "job_id": b["job_id"]}))  # swapped: each names the other's job
    second.write_text(json.dumps({**b, "job_id": a["job_id"]}))
    with pytest.warns(ExploreWarning, match="ignored the ledger's job .* the job is for another request") as seen:
        df = _pull(fast_client)
    assert len(seen) == 2
    ids = df["call_id"].tolist()  # type: ignore[index]
    assert ids == _truth_ids(emu) and len(ids) == len(set(ids))  # no duplicate, nothing missing
    assert len(emu.jobs()) == 4


def test_another_zone_or_format_in_the_entry_is_ignored(emu: Emulator, fast_client: Client) -> None:
    _pull(fast_client, format="json")
    json_jobs = {j["id"] for j in emu.jobs()}
    ledger = Ledger(emu.ledger_directory)  # an emulator in this process: its own ledger
    for path in (ledger.directory / "jobs").glob("*.json"):  # the keys of csv pulls, with json jobs
        record = json.loads(path.read_text())
        from explore_pandas.pulls.ledger import window_key

        key = window_key(api=record["api"], client_id=record["client_id"], report="calls", timezone="UTC",
                         format="csv", start=datetime.fromisoformat(record["start"]),
                         end=datetime.fromisoformat(record["end"]))
        (path.parent / f"{key}.json").write_text(json.dumps({**record, "key": key, "format": "csv"}))
    with pytest.warns(ExploreWarning, match="format='json', not 'csv'"):
        df = _pull(fast_client, format="csv")
    assert df["call_id"].tolist() == _truth_ids(emu)  # type: ignore[index]
    assert not json_jobs & set(df.attrs["explore"]["jobs"])  # type: ignore[union-attr]


def test_an_unwritable_ledger_is_refused_before_any_job(emu: Emulator, fast_client: Client, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ExploreError, match=r"a-file/cache cannot be written.*EXPLORE_CACHE_DIR"):
        _pull(fast_client, ledger=Ledger(blocker / "cache"))
    assert emu.jobs() == []
    # the default ledger (of an account: not an emulator of this process) is checked the same way
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(blocker / "default"))
    account = Client(base_url="http://127.0.0.1:9/api", token_url="http://127.0.0.1:9/oauth/token",
                     client_id="id", client_secret="s")
    with pytest.raises(ExploreError, match=r"a-file/default cannot be written.*EXPLORE_CACHE_DIR"):
        read_report("calls", start="2026-08-01", end="2026-08-02", client=account, progress=False)


RUN = """
import sys, time, explore_pandas as xp
from explore_pandas.api.polling import PollPolicy
client = xp.connect(base_url=sys.argv[1], token_url=sys.argv[2], client_id=sys.argv[3], client_secret=sys.argv[4])
import pandas, tqdm.auto
client.settings  # everything loaded: the two processes start the pull at the same instant
time.sleep(max(0.0, float(sys.argv[5]) - time.time()))
df = xp.read_report("calls", start="2026-06-01", end="2026-10-01", tz="UTC", progress=False,
                    poll=PollPolicy(initial=0.05, maximum=0.2, timeout=60))
print(len(df), df["call_id"].is_unique)
"""


def test_two_processes_running_the_same_pull_create_each_job_once(emu: Emulator, tmp_path: Path) -> None:
    emu.configure(progression={"seconds": 1.5})  # both processes find the jobs still running
    creds = emu.credentials
    import time

    args = [sys.executable, "-c", RUN, creds["base_url"], creds["token_url"], creds["client_id"],
            creds["client_secret"], str(time.time() + 8)]
    env = {**os.environ, "EXPLORE_CACHE_DIR": str(tmp_path / "shared")}
    runs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    rows = emu.count_rows("calls", datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))
    assert [out.split() for out, _ in outputs] == [[str(rows), "True"]] * 2
    assert len(emu.jobs()) == 4  # four windows, each created by one process, attached by the other


def test_the_latency_rule_takes_the_servers_creation_time_not_the_ledgers(emu: Emulator,
                                                                         fast_client: Client) -> None:
    import warnings
    from datetime import timedelta, timezone

    from explore_pandas.exceptions import DataLatencyWarning

    end = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=1)
    span = {"start": end - timedelta(hours=6), "end": end}
    with pytest.warns(DataLatencyWarning):
        read_report("calls", tz="UTC", client=fast_client, progress=False, poll=FAST, **span)
    for path in (Ledger(emu.ledger_directory).directory / "jobs").glob("*.json"):  # a clock 10 minutes fast
        record = json.loads(path.read_text())
        ahead = datetime.fromisoformat(record["created_at"]) + timedelta(minutes=10)
        path.write_text(json.dumps({**record, "created_at": ahead.isoformat()}))
    emu.clock.advance(600)  # the API's data of the window is complete now
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataLatencyWarning)
        df = read_report("calls", tz="UTC", client=fast_client, progress=False, poll=FAST, **span)
    assert not any(w["reused"] for w in df.attrs["explore"]["windows"])  # the late job was not re-used
    assert len(df) == emu.count_rows("calls", span["start"], span["end"])
