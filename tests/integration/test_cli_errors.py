"""Every mistake stopped before the first job, in one line: the installed ``explore-pandas``, in a subprocess.

Each case runs the venv's entry point (with this checkout first on
``PYTHONPATH``) against an emulator in this process whose credentials are in
the environment, so that the test can see that no job was created. Every CLI
error is one line on stderr, ``explore-pandas: ...``; exit 2 is a usage
mistake, 1 a run that failed; a traceback appears only with ``--debug``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import explore_pandas
from explore_pandas.emulator import Emulator
from explore_pandas.pulls.ledger import Entry, Ledger

CHECKOUT = Path(explore_pandas.__file__).resolve().parent.parent
ENTRY_POINT = Path(sys.executable).parent / "explore-pandas"
ENV = ("EXPLORE_ACCOUNT", "EXPLORE_REGION", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET",
       "EXPLORE_BASE_URL", "EXPLORE_TOKEN_URL")
TZ_LINE = ("'Lisbon' is not an IANA time zone. Use a name such as 'UTC', 'Europe/Lisbon' or "
           "'America/New_York' (zoneinfo.available_timezones() lists them all).")

Run = Callable[..., subprocess.CompletedProcess[str]]


def _environment(credentials: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env["PYTHONPATH"] = str(CHECKOUT)  # the entry point imports this checkout's explore_pandas
    env.pop("COLUMNS", None)
    for key, value in (credentials or {}).items():
        env[f"EXPLORE_{key.upper()}"] = value
    return env


@pytest.fixture(scope="module")
def entry_point() -> Path:
    assert ENTRY_POINT.exists(), f"the venv has no explore-pandas script at {ENTRY_POINT}"
    found = subprocess.run([sys.executable, "-c", "import explore_pandas.cli.main as m; print(m.__file__)"],
                           env=_environment(None), capture_output=True, text=True, check=True)
    assert found.stdout.strip().startswith(str(CHECKOUT)), found.stdout
    return ENTRY_POINT


@pytest.fixture
def account() -> Iterator[Emulator]:
    """An "account": an emulator in this process, its credentials in the subprocess's environment."""
    with Emulator(progression="immediate") as emu:
        yield emu


@pytest.fixture
def cli(entry_point: Path, tmp_path: Path) -> Run:
    def run(*args: str, credentials: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(entry_point), *args], env=_environment(credentials), cwd=tmp_path,
                              capture_output=True, text=True, timeout=timeout, check=False)
    return run


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("explore-pandas: "), result.stderr
    return lines[0]


def _future() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%d")


PULL = ("pull", "calls", "--start", "2026-09-01", "--end", "2026-09-03")

#: (arguments, exit code, the stderr line, or its start when it holds "now")
MISTAKES: list[tuple[tuple[str, ...], int, str]] = [
    ((*PULL, "-o", "/proc/nope/x.parquet"), 2,
     "explore-pandas: -o: /proc/nope/x.parquet: cannot write in /proc (No such file or directory); pick another folder."),
    ((*PULL, "-o", "a-file/x.csv"), 2,
     "explore-pandas: -o: a-file/x.csv: a-file is a file, so nothing can be written under it."),
    ((*PULL, "-o", "a-file/days/"), 2,
     "explore-pandas: -o: a-file/days/: a-file is a file, so nothing can be written under it."),
    ((*PULL, "-o", "a-file/"), 2,
     "explore-pandas: -o: a-file/: it is a file, not a folder; pass a folder (DIR/) or a .csv/.parquet file."),
    ((*PULL, "-o", "x.xlsx"), 2,
     "explore-pandas: -o: x.xlsx: the output must end in .csv or .parquet, or be a folder (DIR/)."),
    ((*PULL, "-o", "x.csv", "--tz", "Lisbon"), 2, f"explore-pandas: --tz: {TZ_LINE}"),
    (("pull", "calls", "--start", "last week", "--end", "2026-09-03", "-o", "x.csv"), 2,
     ("explore-pandas: --start: cannot read 'last week' as a date or date-time. Use a date such as 2026-08-01 or "
      "a date-time such as 2026-08-01T09:30:00 (ISO 8601, a wall time in --tz).")),
    (("pull", "calls", "--start", "2026-03-29T01:30", "--end", "2026-03-30", "--tz", "Europe/Lisbon", "-o", "x.csv"), 2,
     ("explore-pandas: --start: 2026-03-29T01:30:00 Europe/Lisbon does not exist: that day the clocks jump forward "
      "1 hour around it (daylight saving starts). Pick a time outside the gap, e.g. 2026-03-29T02:30:00 (the "
      "instant it would be), or request the report in UTC.")),
    (("pull", "calls", "--start", "2026-09-03", "--end", "2026-09-01", "-o", "x.csv"), 2,
     ("explore-pandas: --end: end 2026-09-01T00:00:00 UTC is not after start 2026-09-03T00:00:00 UTC. "
      "Swap them, or pass an end later than the start (the end is exclusive).")),
    (("pull", "calls", "--start", "2026-09-01", "--end", "FUTURE", "-o", "x.csv"), 2,
     "explore-pandas: --end: end FUTURET00:00:00 UTC is in the future"),
    (("pull", "callz", "--start", "2026-09-01", "--end", "2026-09-03", "-o", "x.csv"), 2,
     "explore-pandas: unknown report type 'callz'. Did you mean 'calls'?"),
    (("pull", "calls", "--start", "2026-09-01", "-o", "x.csv"), 2,
     "explore-pandas: pull: the following arguments are required: --end (see explore-pandas pull --help)."),
    ((*PULL, "-o", "x.csv", "--format", "xml"), 2,
     ("explore-pandas: pull: argument --format: invalid choice: 'xml' (choose from 'csv', 'json', 'json_bulk') "
      "(see explore-pandas pull --help).")),
    (("demo", "--tz", "Lisbon"), 2, f"explore-pandas: --tz: {TZ_LINE}"),
    (("demo", "--days", "0"), 2,
     "explore-pandas: --days: 0 is not a number of days to pull. Use a whole number of at least 1, e.g. --days 7."),
    (("demo", "--days", "-5"), 2,
     "explore-pandas: --days: -5 is not a number of days to pull. Use a whole number of at least 1, e.g. --days 7."),
    (("demo", "--days", "two"), 2,
     "explore-pandas: demo: argument --days: 'two' is not a whole number (digits 0-9) (see explore-pandas demo --help)."),
    (("demo", "--days", "\u0667"), 2,  # an Arabic-Indic 7: int() takes it, a date or count should not
     "explore-pandas: demo: argument --days: '\u0667' is not a whole number (digits 0-9) (see explore-pandas demo --help)."),
    (("demo", "--days", "100000", "--tz", "UTC"), 2,  # the demo has no --max-jobs: the most days it takes
     ("explore-pandas: --days: 100,000 days would take more than the 24 report jobs (windows of at most 31 days) "
      "that the demo makes. Use --days 744 or fewer.")),
    (("demo", "--days", "745", "--tz", "UTC"), 2,
     ("explore-pandas: --days: 745 days would take more than the 24 report jobs (windows of at most 31 days) "
      "that the demo makes. Use --days 744 or fewer.")),
    (("demo", "--days", "9" * 30, "--tz", "UTC"), 2,  # no OverflowError
     (f"explore-pandas: --days: {int('9' * 30):,} days would take more than the 24 report jobs (windows of at "
      "most 31 days) that the demo makes. Use --days 744 or fewer.")),
    (("emulator", "--port", "70000"), 2,
     "explore-pandas: --port: 70000 is not a TCP port. Use 1..65535, or 0 for a free one."),
    (("frobnicate",), 2,
     ("explore-pandas: argument command: invalid choice: 'frobnicate' (choose from 'emulator', 'demo', 'pull', "
      "'jobs', 'resume', 'cache', 'login', 'logout', 'doctor') (see explore-pandas --help).")),
    (("pull", "calls", "--start", "2000-01-01", "--end", "2026-09-03", "-o", "x.csv"), 2,
     ("explore-pandas: --start: 2000-01-01 .. 2026-09-03 (UTC) needs 315 report jobs (one per window of at most "
      "31 days), more than the 24 a pull makes unless told (about 24 months). Check the range, or pass "
      "--max-jobs 315 to confirm.")),
    (("pull", "calls", "--start", "2026-07-01", "--end", "2026-09-03", "-o", "days/", "--max-jobs", "2"), 2,
     ("explore-pandas: --start: 2026-07-01 .. 2026-09-03 (UTC) needs 3 report jobs (one per window of at most "
      "31 days), more than the 2 a pull makes unless told (about 2 months). Check the range, or pass "
      "--max-jobs 3 to confirm.")),
    ((*PULL, "-o", "x.csv", "--max-jobs", "0"), 2,
     ("explore-pandas: --max-jobs: 0 is not a number of report jobs. Use a whole number of at least 1: the most "
      "windows (one job each) the pull may take (default 24).")),
    ((), 2, "explore-pandas: the following arguments are required: command (see explore-pandas --help)."),
    ((*PULL, "-o", "x.csv", "--columns", ","), 2,
     "explore-pandas: pull: argument --columns: ',' names no column: give the report's JSON keys separated by "
     "commas, e.g. --columns call_id,start_at,talk_time (see explore-pandas pull --help)."),
    (("emulator", "--host", ""), 2, "explore-pandas: host: '' is not an address; give one, e.g. --host 127.0.0.1 "
                                    "(the default)."),
    (("emulator", "--host", "192.0.2.1", "--port", "0"), 2,  # TEST-NET-1: never this machine's
     "explore-pandas: cannot listen on 192.0.2.1:0: Cannot assign requested address. Give an address of this "
     "machine with --host (the default, 127.0.0.1, serves this machine only)."),
    (("emulator", "--client-secret", ""), 2, "explore-pandas: client-secret: it is empty; give a secret, or leave "
                                             "--client-secret out for a random one."),
    (("jobs", "--all"), 2, "explore-pandas: jobs: unrecognized arguments: --all (see explore-pandas jobs --help)."),
    (("resume", "calls"), 2, "explore-pandas: resume: unrecognized arguments: calls (see explore-pandas resume --help)."),
    (("logout", "extra"), 2, "explore-pandas: logout: unrecognized arguments: extra (see explore-pandas logout --help)."),
    (("cache", "clear", "extra"), 2,
     "explore-pandas: cache: unrecognized arguments: extra (see explore-pandas cache --help)."),
]


def _expected(line: str) -> str:
    return line.replace("FUTURE", _future())


@pytest.mark.parametrize(("args", "code", "line"), MISTAKES, ids=[" ".join(m[0]) or "(nothing)" for m in MISTAKES])
def test_every_mistake_is_one_line_and_creates_no_job(cli: Run, account: Emulator, tmp_path: Path,
                                                      args: tuple[str, ...], code: int, line: str) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    args = tuple(_expected(a) for a in args)
    result = cli(*args, credentials=dict(account.credentials))
    said = _one_line(result)
    if "is in the future" in line:
        assert said.startswith(_expected(line)) and "pass --end " in said and "end='" not in said
    else:
        assert said == line
    assert result.returncode == code
    assert account.stats()["jobs_created"] == 0 and account.stats()["requests"].get("create", 0) == 0
    assert "emulator at" not in result.stdout  # demo never started its own emulator either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing written


def test_with_debug_the_traceback_is_shown(cli: Run, account: Emulator) -> None:
    result = cli(*PULL, "-o", "x.csv", "--tz", "Lisbon", "--debug", credentials=dict(account.credentials))
    assert result.returncode != 0 and "Traceback" in result.stderr and "ValidationError" in result.stderr


@pytest.mark.parametrize(("args", "code"), [
    ((*PULL, "-o", "x.csv", "--tz", "Lisbon"), 2),      # a usage mistake found by explore_pandas
    (("demo", "--days", "two"), 2),                     # one argparse finds
    ((*PULL, "-o", "x.csv", "-q"), 1),                  # a run that failed (the job fails)
], ids=["bad-zone", "argparse", "failed-run"])
def test_debug_adds_the_traceback_and_keeps_the_exit_code(cli: Run, account: Emulator,
                                                          args: tuple[str, ...], code: int) -> None:
    account.configure(fail_at="processing")
    plain = cli(*args, credentials=dict(account.credentials))
    debugged = cli(*args, "--debug", credentials=dict(account.credentials))
    assert plain.returncode == code and debugged.returncode == code, debugged.stderr
    assert "Traceback" in debugged.stderr
    said = re.sub(r"job [0-9a-f-]{36}", "job ID", _one_line(plain))  # each run's job has its own id
    assert re.sub(r"job [0-9a-f-]{36}", "job ID", debugged.stderr.splitlines()[-1]) == said  # after the traceback


@pytest.mark.parametrize("args", [("jobs",), ("cache", "size"), ("demo", "--days", "1", "-q")],
                         ids=["jobs", "cache-size", "demo"])
def test_a_closed_stdout_is_one_line_with_exit_1(entry_point: Path, ledger_dir: Path, args: tuple[str, ...]) -> None:
    Ledger().record(Entry(key="k", job_id="job-1", report="calls", timezone="UTC", format="csv",
                          start="2026-09-01T00:00:00+00:00", end="2026-09-02T00:00:00+00:00", name="n",
                          api="https://api.talkdeskapp.com", client_id="c", created_at="2026-11-01T00:00:00+00:00"))
    command = " ".join(f"'{word}'" for word in (str(entry_point), *args))
    result = subprocess.run(["bash", "-c", f"{command} >&-"], env=_environment(None), capture_output=True,
                            text=True, timeout=180, check=False)
    assert _one_line(result) == ("explore-pandas: cannot use standard output: it is closed; redirect it to a "
                                 "file or to /dev/null instead")
    assert result.returncode == 1


def test_half_the_credentials_name_every_missing_variable(cli: Run) -> None:
    result = cli(*PULL, "-o", "x.csv", credentials={"client_id": "someone"})
    assert _one_line(result) == (
        "explore-pandas: EXPLORE_CLIENT_SECRET and EXPLORE_ACCOUNT are missing. Set EXPLORE_CLIENT_SECRET: "
        "that client's secret; EXPLORE_ACCOUNT: your Talkdesk account name (or set EXPLORE_TOKEN_URL to the "
        "full token URL). Or save a profile with `explore-pandas login`. Or unset every EXPLORE_* variable "
        "to pull from the embedded emulator (offline, synthetic data).")
    assert result.returncode == 2


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in: a 0555 one, or for root (who writes anywhere) /sys."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    for folder in (locked, Path("/sys")):
        try:
            (folder / ".probe").touch()
        except OSError:
            return folder
        (folder / ".probe").unlink()
    pytest.skip("no folder here refuses this user's writes")


def test_a_read_only_folder_is_refused_before_any_job(cli: Run, account: Emulator, tmp_path: Path) -> None:
    folder = _read_only_folder(tmp_path)
    result = cli(*PULL, "-o", str(folder / "x.csv"), credentials=dict(account.credentials))
    assert _one_line(result) == (f"explore-pandas: -o: {folder / 'x.csv'}: cannot write in {folder} "
                                 "(Permission denied); pick another folder.")
    assert result.returncode == 2 and account.stats()["jobs_created"] == 0


def test_a_run_that_fails_is_one_line_with_exit_1(cli: Run, account: Emulator) -> None:
    account.configure(fail_at="processing")
    result = cli(*PULL, "-o", "x.csv", "-q", credentials=dict(account.credentials))
    line = _one_line(result)
    assert line.startswith("explore-pandas: JobFailedError: ") and result.returncode == 1


def test_a_closed_pipe_ends_quietly(entry_point: Path, ledger_dir: Path) -> None:
    ledger = Ledger()
    for i in range(50):
        ledger.record(Entry(key=f"k{i}", job_id=f"job-{i}", report="calls", timezone="UTC", format="csv",
                            start="2026-09-01T00:00:00+00:00", end="2026-09-02T00:00:00+00:00", name="n",
                            api="https://api.talkdeskapp.com", client_id="c", created_at=f"2026-11-01T00:00:{i:02d}+00:00"))
    # `explore-pandas jobs | head -3`, with head gone before the first write
    with subprocess.Popen([str(entry_point), "jobs"], env=_environment(None), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        stderr = proc.stderr.read()
        assert proc.wait(timeout=60) == 141
    assert stderr == ""
    shell = subprocess.run(["bash", "-c", f"set -o pipefail; '{entry_point}' jobs | head -3"], env=_environment(None),
                           capture_output=True, text=True, timeout=60, check=False)
    assert len(shell.stdout.splitlines()) == 3 and "Traceback" not in shell.stderr and "Error" not in shell.stderr


def test_no_progress_bar_in_a_log_and_pull_help_offers_quiet(cli: Run, account: Emulator) -> None:
    result = cli(*PULL, "-o", "x.csv", credentials=dict(account.credentials))  # stderr is a pipe: a log
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "window/s" not in result.stderr and "it/s" not in result.stderr
    rows = account.count_rows("calls", datetime(2026, 9, 1, tzinfo=timezone.utc), datetime(2026, 9, 3, tzinfo=timezone.utc))
    assert result.stderr.splitlines() == [f"{rows:,} rows from 1 window written to x.csv"]
    helped = cli("pull", "--help")
    assert "-q, --quiet" in helped.stdout and "no progress bar" in helped.stdout


def test_resume_checks_each_output_and_goes_on_past_a_failing_pull(cli: Run, account: Emulator,
                                                                   tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    ledger = Ledger()
    good = {"report": "calls", "start": "2026-09-01", "end": "2026-09-03", "tz": "UTC", "format": "csv",
            "output": str(tmp_path / "older.csv"), "on_row_limit": "warn", "status": "running",
            "started_at": "2026-11-28T10:00:00+00:00"}
    bad = {**good, "output": str(tmp_path / "a-file" / "newer.csv"), "started_at": "2026-11-28T11:00:00+00:00"}
    ledger.record_pull("older", good)
    ledger.record_pull("newer", bad)
    result = cli("resume", "-q", credentials=dict(account.credentials))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("explore-pandas: ")]
    assert errors == [
        (f"explore-pandas: resume calls 2026-09-01 .. 2026-09-03 (UTC) -> {bad['output']}: -o: {bad['output']}: "
         f"{tmp_path / 'a-file'} is a file, so nothing can be written under it."),
        ("explore-pandas: 1 of 2 interrupted pulls failed (said above); fix what they say and run "
         "`explore-pandas resume` again."),
    ]
    assert (tmp_path / "older.csv").exists()  # the older pull ran although the newer one failed
    assert account.stats()["jobs_created"] == 1  # its one window; none for the pull whose output was bad
    status = {p["id"]: p["status"] for p in Ledger().pulls()}
    assert status == {"older": "done", "newer": "running"}  # the failed one is left for the next resume


def test_demo_says_one_window_and_heads_its_summary_with_the_days_pulled(cli: Run) -> None:
    result = cli("demo", "--days", "2", "--tz", "America/New_York")
    assert result.returncode == 0 and result.stderr == "", result.stderr  # no bar: stderr is no terminal
    out = result.stdout
    assert "(2 days) in America/New_York" in out
    assert "rows from 1 window (1 job), truncated: no" in out
    assert "Last 2 days, local time:" in out and "Last 7 days" not in out
    assert "The emulator saw 1 job, at most 1 running at once" in out and "and 1 download, " in out


def test_a_warning_is_one_line_too(cli: Run, account: Emulator) -> None:
    account.configure(row_limit=500, total="matching")  # a cut that json's total shows: RowLimitWarning
    result = cli(*PULL, "--format", "json", "-o", "x.csv", credentials=dict(account.credentials))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    warning, done = result.stderr.splitlines()
    assert warning.startswith("explore-pandas: RowLimitWarning: the calls report for 2026-09-01T00:00:00+00:00 .. ")
    assert done == ("500 rows from 1 window written to x.csv (1 window hit the row limit: rows are missing; "
                    "--on-row-limit split fetches them)")


def test_an_empty_output_is_a_usage_mistake(cli: Run) -> None:
    result = cli(*PULL, "-o", "")
    assert _one_line(result).startswith("explore-pandas: -o: '': it is empty") and result.returncode == 2


def test_max_jobs_confirms_a_long_range_and_its_resume_keeps_it(cli: Run, account: Emulator, tmp_path: Path) -> None:
    result = cli("pull", "calls", "--start", "2026-07-01", "--end", "2026-09-03", "-o", "x.csv", "-q",
                 "--max-jobs", "3", credentials=dict(account.credentials))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].endswith("rows from 3 windows written to x.csv")
    assert account.stats()["jobs_created"] == 3
    assert [p.get("max_jobs") for p in Ledger().pulls()] == [3]  # a resume of it asks no confirmation again


def test_ctrl_c_during_a_pull_advises_resume_not_python(entry_point: Path, account: Emulator, tmp_path: Path) -> None:
    account.configure(progression={"seconds": 600})  # the job runs until the test interrupts the pull
    with subprocess.Popen([str(entry_point), *PULL, "-o", "x.csv", "-q"], env=_environment(dict(account.credentials)),
                          cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        deadline = time.monotonic() + 60
        while account.stats()["jobs_created"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # past the create, into polling
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    (note, last) = stderr.splitlines()
    job = note.split("quota: ")[1].split(".")[0]
    assert note == (f"Interrupted: 1 report job still runs on the account and holds quota: {job}. It is recorded in "
                    f"the ledger at {Ledger().directory}. Run `explore-pandas resume` to finish this pull with it "
                    "(no new jobs); `explore-pandas jobs` lists the recorded jobs.")
    assert last == "explore-pandas: interrupted" and "client.cancel" not in stderr


def test_a_server_clock_behind_is_clock_skew_said_the_right_way_round_with_exit_1(cli: Run) -> None:
    real_now = datetime.now(timezone.utc)
    with Emulator(now=real_now - timedelta(minutes=10), progression="immediate") as behind:
        end = real_now - timedelta(minutes=6)  # past here, future for the server
        result = cli("pull", "calls", "--start", f"{end - timedelta(hours=1):%Y-%m-%dT%H:%M:%S}",
                     "--end", f"{end:%Y-%m-%dT%H:%M:%S}", "-o", "x.csv", "-q",
                     credentials=dict(behind.credentials))
    line = _one_line(result)
    assert line.startswith("explore-pandas: --end: the server refused the end as in the future"), line
    assert re.search(r"this machine's clock is (59\d|60\d|61\d) s ahead of the server's", line), line
    assert result.returncode == 1  # the server refused a run's request, as doctor's clock line fails with 1


@pytest.mark.parametrize("command", [(), ("login",), ("logout",), ("doctor",)], ids=["main", "login", "logout", "doctor"])
def test_the_profile_option_reads_profile_name(cli: Run, command: tuple[str, ...]) -> None:
    helped = cli(*command, "--help")
    assert helped.returncode == 0 and "--profile NAME" in helped.stdout
    assert "GLOBAL_PROFILE" not in helped.stdout and "PROFILE " not in helped.stdout.replace("EXPLORE_PROFILE", "")


def test_pull_help_offers_max_jobs(cli: Run) -> None:
    helped = cli("pull", "--help")
    assert "--max-jobs N" in helped.stdout and "(default 24" in " ".join(helped.stdout.split())


def test_a_cache_folder_setting_that_is_a_file_is_named_before_any_job(cli: Run, account: Emulator,
                                                                       tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    env_cache = str(tmp_path / "a-file")
    for args in ((*PULL, "-o", "x.csv"), ("jobs",), ("resume",)):
        result = subprocess.run([str(ENTRY_POINT), *args], env={**_environment(dict(account.credentials)),
                                                               "EXPLORE_CACHE_DIR": env_cache},
                                cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 2, result.stderr
        assert _one_line(result) == (f"explore-pandas: EXPLORE_CACHE_DIR={env_cache}: {env_cache} is a file, not "
                                     "a folder. Set EXPLORE_CACHE_DIR to a folder you can write, or unset it.")
    assert account.stats()["jobs_created"] == 0 and not (tmp_path / "x.csv").exists()


def test_a_full_standard_output_is_named_with_its_fix(entry_point: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(entry_point), "emulator", "--tour"], env=_environment(None), stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert _one_line(result) == ("explore-pandas: cannot write to standard output: No space left on device. "
                                 "Redirect it to a file on a disk with room, or to /dev/null.")


@pytest.mark.parametrize(("extra", "env", "said"), [
    (("--columns", "talktime"), {}, "explore-pandas: --columns: the calls report has no column 'talktime'. Did you mean"),
    ((), {"EXPLORE_CACHE_MAX_BYTES": "lots"}, "explore-pandas: EXPLORE_CACHE_MAX_BYTES"),
])
def test_a_mistake_on_the_emulator_is_one_line_without_its_notice_first(
        cli: Run, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...], env: dict[str, str], said: str) -> None:
    """With no EXPLORE_* the pull falls back to the embedded emulator and says so; a mistake is
    found before that, so stderr holds the one line (break-it 14, second pass)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = cli(*PULL, "-o", "x.csv", *extra)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(said) and "emulator" not in result.stderr


def test_the_tls_banners_shell_line_holds_the_ca_bundle_to_trust(capsys: pytest.CaptureFixture[str]) -> None:
    """Copied into a shell, the line must work: an HTTPS emulator needs its CA file trusted."""
    from explore_pandas.cli.main import _banner  # noqa: PLC2701 (the one printer of the banner)
    from explore_pandas.emulator import Emulator

    with Emulator(tls=True) as emu:
        _banner(emu)
        shell = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("From a shell: "))
        assert f"REQUESTS_CA_BUNDLE={emu.ca_file}" in shell and f"EXPLORE_BASE_URL={emu.base_url}" in shell
