"""First contact, the Python way (issue 14): clock skew, zones from the bounds, the emulator's
time inputs, and which ledger an emulator's jobs go to."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from explore_pandas.api.client import Client
from explore_pandas.cli.main import main
from explore_pandas.emulator import Emulator
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import ConfigurationError, ValidationError
from explore_pandas.pulls.ledger import Entry, Ledger

NEW_YORK = ZoneInfo("America/New_York")


def test_a_server_clock_behind_ours_is_said_as_clock_skew_with_its_time() -> None:
    real_now = datetime.now(timezone.utc)
    with Emulator(now=real_now - timedelta(minutes=10), progression="immediate") as emu, \
            Client(**emu.credentials) as client:
        end = real_now - timedelta(minutes=6)  # past here, future for the server
        with pytest.raises(ValidationError) as raised:
            read_report("calls", start=end - timedelta(hours=1), end=end, client=client, progress=False, ledger=False)
        text = str(raised.value)
        assert "clock skew" in text and "(its Date header)" in text
        assert re.search(r"this machine's clock is (59\d|60\d|61\d) s ahead of the server's", text), text
        assert raised.value.status == 400 and emu.stats()["jobs_created"] == 0
        suggested = datetime.fromisoformat(text.split("end='")[1].split("'")[0].replace("Z", "+00:00"))
        df = read_report("calls", start=suggested - timedelta(hours=1), end=suggested, client=client,
                         progress=False, ledger=False)  # the advised end is one the server takes
        assert len(df) == emu.count_rows("calls", suggested - timedelta(hours=1), suggested)


def test_aware_bounds_in_one_zone_give_columns_in_that_zone(emu: Emulator) -> None:
    start, end = pd.Timestamp("2026-11-20", tz="America/New_York"), pd.Timestamp("2026-11-21", tz="America/New_York")
    with Client(**emu.credentials) as client:
        df = read_report("calls", start=start, end=end, client=client, progress=False, ledger=False)
    assert str(df["end_at"].dtype) == "datetime64[us, America/New_York]"
    assert df.attrs["explore"]["timezone"] == "America/New_York"
    assert df["call_id"].astype(str).tolist() == emu.truth("calls", start, end)["call_id"].astype(str).tolist()


@pytest.mark.parametrize(("start", "end", "tz"), [
    ("2026-11-01", "2026-11-02", None),
    ("2026-11-01T00:00:00", "2026-11-02T00:00:00Z", None),
    (pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-02"), None),
    (datetime(2026, 11, 1).date(), datetime(2026, 11, 2).date(), None),
    ("2026-11-01", "2026-11-02", "America/New_York"),
    (pd.Timestamp("2026-11-01", tz="America/New_York"), pd.Timestamp("2026-11-02", tz="America/New_York"), None),
])
def test_the_emulator_takes_the_time_inputs_read_report_takes(emu: Emulator, start: object, end: object,
                                                              tz: str | None) -> None:
    zone = NEW_YORK if tz or isinstance(start, pd.Timestamp) and start.tz else timezone.utc
    first, last = datetime(2026, 11, 1, tzinfo=zone), datetime(2026, 11, 2, tzinfo=zone)
    truth = emu.truth("calls", start, end, tz=tz)  # type: ignore[arg-type]
    assert truth["call_id"].tolist() == emu.truth("calls", first, last)["call_id"].tolist()
    assert emu.count_rows("calls", start, end, tz=tz) == len(truth) > 0  # type: ignore[arg-type]


def test_jobs_of_an_emulator_in_this_process_stay_out_of_the_users_ledger(ledger_dir: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORE_CACHE_MAX_BYTES", "0")  # the ledger, not the cache, answers the second read
    with Emulator(progression="immediate") as emu, Client(**emu.credentials) as client:
        span = {"start": "2026-09-01", "end": "2026-09-03"}
        read_report("calls", **span, client=client, progress=False)
        again = read_report("calls", **span, client=client, progress=False)
        assert all(w["reused"] for w in again.attrs["explore"]["windows"])  # re-attached while it runs
        folder = emu.ledger_directory
        assert Ledger(folder).entries() and len(emu.jobs()) == 1
    assert Ledger().entries() == [] and not folder.exists()  # nothing in the user's; its folder went with it


def test_frames_of_an_emulator_in_this_process_stay_out_of_the_users_cache(ledger_dir: Path) -> None:
    from explore_pandas.pulls.ledger import default_directory

    with Emulator(progression="immediate") as emu, Client(**emu.credentials) as client:
        span = {"start": "2026-09-01", "end": "2026-09-03"}
        read_report("calls", **span, client=client, progress=False)
        again = read_report("calls", **span, client=client, progress=False)
        assert all(w["cached"] for w in again.attrs["explore"]["windows"])
        folder = emu.ledger_directory / "frames"
        assert any(folder.iterdir())
    assert not (default_directory() / "frames").exists() and not folder.exists()


def test_jobs_shows_the_api_host_and_prune_removes_what_can_no_longer_serve(
        capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(timezone.utc)
    ledger = Ledger()

    def entry(key: str, api: str, *, job_id: str | None = None, age: timedelta = timedelta(hours=1),
              status: str = "done") -> Entry:
        return Entry(key=key, job_id=job_id or f"job-{key}", report="calls", timezone="UTC", format="csv",
                     start="2026-09-01T00:00:00+00:00", end="2026-09-02T00:00:00+00:00", name="n", api=api,
                     client_id="c", created_at=(now - age).isoformat(), status=status, rows=1234)

    with Emulator(progression="immediate") as gone:
        gone_api = gone.base_url
    with Emulator(progression="immediate") as live, Client(**live.credentials) as client:
        job = client.create_job("calls", start="2026-09-01", end="2026-09-02")
        for e in [entry("account", "https://api.talkdeskapp.com"),
                  entry("expired", "https://api.talkdeskapp.com", age=timedelta(days=31)),
                  entry("failed", "https://api.talkdeskapp.com", status="failed"),
                  entry("gone", gone_api),
                  entry("unknown", live.base_url),
                  entry("live", live.base_url, job_id=job.id)]:
            ledger.record(e)
        assert main(["jobs"]) == 0
        lines = capsys.readouterr().out.splitlines()
        header, rows = lines[1], lines[2:]
        assert header.split() == ["created", "(UTC)", "report", "window", "zone", "format", "status", "rows",
                                  "API", "host", "job", "id"]
        for column in ("report", "window", "zone", "format", "API host", "job id"):  # every row under its header
            at = header.index(column)
            assert all(row[at - 1] == " " and row[at] != " " for row in rows), (column, lines)
        assert {row.split()[-2] for row in rows} == {"api.talkdeskapp.com", urlhost(gone_api), urlhost(live.base_url)}
        assert all(row.split()[-3] == "1,234" for row in rows)
        assert main(["jobs", "--prune"]) == 0
        said = capsys.readouterr().out
    assert said.startswith("Removed 4 jobs of 6 from ")
    assert "1 host gone" in said and "1 host no longer knows the job" in said and "1 file expired" in said
    assert sorted(e.key for e in Ledger().entries()) == ["account", "live"]


def urlhost(url: str) -> str:
    return url.split("//", 1)[1].rstrip("/")


# -- the notebooks' "which connection" step, one call --------------------------------------------

ENV = ("EXPLORE_ACCOUNT", "EXPLORE_REGION", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET",
       "EXPLORE_BASE_URL", "EXPLORE_TOKEN_URL")


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_connect_or_emulator_starts_the_emulator_without_credentials(no_credentials: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import explore_pandas as xp
    from explore_pandas.api.client import set_default_client

    before = set_default_client(None)
    try:
        client, emu = xp.connect_or_emulator(seed=7, progression="immediate")
        assert emu is not None and emu.seed == 7 and xp.get_client() is client
        assert client.settings.base_url == emu.base_url
        assert capsys.readouterr().out == (f"No EXPLORE_* variables set: using the embedded emulator at "
                                           f"{emu.base_url} (offline, synthetic data).\n")
        emu.close()
    finally:
        set_default_client(before)


def test_connect_or_emulator_uses_the_account_when_explore_variables_are_set(
        no_credentials: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import explore_pandas as xp
    from explore_pandas.api.client import set_default_client

    before = set_default_client(None)
    try:
        with Emulator() as account:
            for key, value in account.credentials.items():
                no_credentials.setenv(f"EXPLORE_{key.upper()}", value)
            connection = xp.connect_or_emulator(seed=7)
            assert connection.emulator is None and connection.client.settings.base_url == account.base_url
            assert capsys.readouterr().out == (f"Using your Talkdesk account {account.base_url} (region us) "
                                               "from EXPLORE_*.\n")
            connection.close()  # nothing to stop for an account
            no_credentials.delenv("EXPLORE_CLIENT_SECRET")
            with pytest.raises(ConfigurationError, match="EXPLORE_CLIENT_SECRET is missing"):
                xp.connect_or_emulator()  # never a silent fallback to the emulator
    finally:
        set_default_client(before)


# -- the emulator's row_limit knob: visible, or refused -----------------------------------------

def test_a_small_emulator_row_limit_is_never_a_silent_cut() -> None:
    from explore_pandas.exceptions import APIError, RowLimitWarning

    span = {"start": "2026-09-01", "end": "2026-09-02", "progress": False, "ledger": False}
    with Emulator(progression="immediate", row_limit=500, total="matching") as emu, \
            Client(**emu.credentials) as client:
        for fmt in ("csv", "json_bulk"):
            with pytest.raises(APIError, match=f"row_limit=500 would cut this {fmt} file at 500 of") as raised:
                read_report("calls", format=fmt, client=client, **span)
            assert raised.value.status == 400 and "format='json'" in str(raised.value)
        assert emu.stats()["jobs_created"] == 0
        with pytest.warns(RowLimitWarning) as caught:  # json's total shows the cut: the library warns
            df = read_report("calls", format="json", client=client, **span)
        said = str(caught[0].message)  # what was cut, not a limit of 1,000,000 the file never reached
        assert "holds fewer rows than its total (the API cut it at a row limit below the documented " \
               "1,000,000): 500 rows received of " in said and "reached the API's limit" not in said
        assert len(df) == 500 and df.explore.truncated
        emu.configure(on_row_limit="truncate")  # asked for: cut silently, as the raw API would
        assert len(read_report("calls", format="csv", client=client, **span)) == 500
