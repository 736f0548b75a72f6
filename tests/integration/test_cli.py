"""The command line as a user types it: demo, pull, jobs, resume, emulator --tour."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from explore_pandas.cli.main import main
from explore_pandas.emulator import Emulator, data
from explore_pandas.pulls.ledger import Ledger

ENV = ("EXPLORE_ACCOUNT", "EXPLORE_REGION", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET",
       "EXPLORE_BASE_URL", "EXPLORE_TOKEN_URL")


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_demo_shows_rows_windows_dtypes_and_a_daily_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "rows from 3 windows (3 jobs), truncated: no" in out
    assert "datetime64[us, Europe/Lisbon]" in out
    assert "Last 7 days, local time:" in out and "inbound %" in out
    assert "0 of them carrying a bearer token" in out


def test_pull_without_credentials_uses_the_emulator_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "calls.parquet"
    assert main(["pull", "calls", "--start", "2026-09-01", "--end", "2026-10-15", "--tz", "Europe/Lisbon",
                 "-o", str(target)]) == 0
    err = capsys.readouterr().err
    assert "No EXPLORE_* credentials set: using the embedded emulator" in err
    df = pd.read_parquet(target)
    lisbon = ZoneInfo("Europe/Lisbon")
    assert len(df) == data.count_rows("calls", datetime(2026, 9, 1, tzinfo=lisbon), datetime(2026, 10, 15, tzinfo=lisbon), seed=0)
    assert str(df["end_at"].dtype) == "datetime64[us, Europe/Lisbon]"
    assert [p.name for p in tmp_path.iterdir()] == ["calls.parquet"]  # no partial file left


def test_half_the_credentials_stop_with_the_missing_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EXPLORE_CLIENT_ID", "someone")
    assert main(["pull", "calls", "--start", "2026-09-01", "--end", "2026-09-02", "-o", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("explore-pandas: EXPLORE_CLIENT_SECRET and EXPLORE_ACCOUNT are missing.")
    assert "using the embedded emulator" not in err  # never a silent fallback
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args, field", [
    (["-o", "x.xlsx"], ".csv or .parquet"),
    (["-o", "x.csv", "--tz", "Lisbon"], "timezone"),
])
def test_bad_input_is_refused_before_anything_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     args: list[str], field: str) -> None:
    argv = ["pull", "calls", "--start", "2026-09-01", "--end", "2026-09-02", *args]
    argv[argv.index("-o") + 1] = str(tmp_path / argv[argv.index("-o") + 1])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert field in err and "using the embedded emulator" not in err


def test_pull_with_an_account_records_jobs_and_resume_finishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with Emulator(progression="immediate") as emu:
        for key, value in emu.credentials.items():
            monkeypatch.setenv(f"EXPLORE_{key.upper()}", value)
        target = tmp_path / "status.csv"
        assert main(["pull", "User Status", "--start", "2026-10-01", "--end", "2026-10-08", "--format", "json_bulk",
                     "-o", str(target)]) == 0
        assert "emulator" not in capsys.readouterr().err
        assert main(["jobs"]) == 0
        listing = capsys.readouterr().out
        assert emu.jobs()[0]["id"] in listing and "user_status" in listing

        # an interrupted pull: its spec says running, its output is missing
        spec = Ledger().pulls()[0]
        target.unlink()
        Ledger().record_pull(spec["id"], {**spec, "status": "running"})
        assert main(["resume"]) == 0
        assert target.exists() and len(emu.jobs()) == 1  # finished from the recorded job, none created
        assert main(["resume"]) == 0
        assert "Nothing to resume" in capsys.readouterr().err


def test_the_tour_walks_one_job(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--tour"]) == 0
    out = capsys.readouterr().out
    assert "created -> processing -> uploading -> done" in out
    assert "with the bearer token -> 400" in out and "Done: one report job" in out


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["pull", "--help"])
    assert "explore-pandas pull calls --start 2026-08-01" in capsys.readouterr().out


def test_pull_last_asks_for_complete_local_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from explore_pandas.api.presets import preset_range

    target = tmp_path / "yesterday.parquet"
    lisbon = ZoneInfo("Europe/Lisbon")
    start, end = preset_range("yesterday", lisbon)
    assert main(["pull", "calls", "--last", "yesterday", "--tz", "Europe/Lisbon", "-o", str(target)]) == 0
    df = pd.read_parquet(target)
    assert len(df) == data.count_rows("calls", start, end, seed=0)
    assert df["end_at"].min() >= pd.Timestamp(start) and df["end_at"].max() < pd.Timestamp(end)


@pytest.mark.parametrize("args, message", [
    (["--last", "7d", "--start", "2026-09-01"],
     "explore-pandas: pull: argument --last: not allowed with argument --start (see explore-pandas pull --help)."),
    (["--last", "7 days"], "explore-pandas: --last: '7 days' is not a preset."),
    ([], "explore-pandas: pull: the following arguments are required: --start, --end (or a preset: --last 7d)"),
])
def test_last_mistakes_are_one_line_before_anything_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           args: list[str], message: str) -> None:
    assert main(["pull", "calls", *args, "-o", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and "using the embedded emulator" not in err
    assert not list(tmp_path.iterdir())


def test_resume_finishes_only_interrupted_pulls_of_the_same_account_and_never_overwrites_a_newer_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import time

    from explore_pandas.cli.main import main
    from explore_pandas.pulls.ledger import Ledger

    with Emulator(progression="immediate") as emu:
        creds = emu.credentials
        for key, name in (("base_url", "EXPLORE_BASE_URL"), ("token_url", "EXPLORE_TOKEN_URL"),
                          ("client_id", "EXPLORE_CLIENT_ID"), ("client_secret", "EXPLORE_CLIENT_SECRET")):
            monkeypatch.setenv(name, creds[key])
        out = tmp_path / "a.csv"
        assert main(["pull", "calls", "--start", "2026-09-01", "--end", "2026-09-02", "-o", str(out), "-q"]) == 0
        ledger = Ledger()
        [spec] = ledger.pulls()
        assert spec["api"] == creds["base_url"] and spec["status"] == "done"
        # as if it had been interrupted before a later run wrote the same file
        ledger.record_pull(spec["id"], {**spec, "status": "running",
                                        "started_at": "2026-01-01T00:00:00+00:00"})
        assert main(["resume", "-q"]) == 1
        assert "not overwritten" in capsys.readouterr().err
        os.utime(out, (time.time(), 0))  # the file is older than the pull now: resume may write it
        monkeypatch.setenv("EXPLORE_CLIENT_ID", "someone-else")
        assert main(["resume", "-q"]) == 1
        assert "this pull was made with the account at" in capsys.readouterr().err
        monkeypatch.setenv("EXPLORE_CLIENT_ID", creds["client_id"])
        assert main(["resume", "-q"]) == 0
        monkeypatch.setenv("EXPLORE_CLIENT_SECRET", "wrong")  # (another range: the cache would answer that one)
        assert main(["pull", "calls", "--start", "2026-09-05", "--end", "2026-09-06", "-o", str(out), "-q"]) != 0
        assert [p["status"] for p in Ledger().pulls()].count("failed") == 1  # failed, not left for resume


def test_the_demos_median_talk_is_over_answered_calls_only() -> None:
    import pandas as pd

    from explore_pandas.cli.demo import daily_summary

    end = pd.to_datetime(["2026-11-07 10:00"] * 4 + ["2026-11-08 10:00"]).tz_localize("Europe/Lisbon")
    df = pd.DataFrame({"end_at": end, "type": ["inbound", "outbound", "abandoned", "missed", "abandoned"],
                       "talk_time": [100, 300, 0, 0, 0]})
    summary = daily_summary(df)
    assert summary.columns.tolist() == ["calls", "inbound %", "answered %", "median talk (s) of answered"]
    saturday = summary.loc["2026-11-07 Sat"]
    assert saturday["calls"] == 4 and saturday["answered %"] == 50.0
    assert saturday["median talk (s) of answered"] == 200  # not 50: the abandoned and missed have no talk
    sunday = summary.loc["2026-11-08 Sun"]
    assert sunday["answered %"] == 0.0 and pd.isna(sunday["median talk (s) of answered"])
