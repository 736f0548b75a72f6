"""``%load_ext explore_pandas`` and ``%explore`` in a real IPython shell, against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from explore_pandas.api.client import Client, set_default_client
from explore_pandas.api.presets import preset_range
from explore_pandas.emulator import Emulator

IPython = pytest.importorskip("IPython")
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def shell(emu: Emulator) -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    with Client(**emu.credentials, timeout=(5, 30)) as client:
        previous = set_default_client(client)
        try:
            ip.run_line_magic("load_ext", "explore_pandas")
            yield ip
        finally:
            set_default_client(previous)
            ip.user_ns.pop("week", None)


def test_explore_returns_the_frame_of_a_preset(shell: InteractiveShell, emu: Emulator) -> None:
    df = shell.run_line_magic("explore", "calls --last yesterday --tz Europe/Lisbon -q")
    start, end = preset_range("yesterday", LISBON)
    assert isinstance(df, pd.DataFrame)
    assert df["call_id"].astype(str).tolist() == emu.truth("calls", start, end)["call_id"].astype(str).tolist()
    assert df.explore.timezone == "Europe/Lisbon"
    assert df.explore.timespan == (pd.Timestamp(start), pd.Timestamp(end))


def test_dash_o_stores_the_frame_under_that_name(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    value = shell.run_line_magic("explore", "'Calls Report' --start 2026-10-01 --end 2026-10-03 --tz Europe/Lisbon "
                                            "-o week -q")
    assert value is None
    week = shell.user_ns["week"]
    assert isinstance(week, pd.DataFrame) and week.explore.timespan[0] == pd.Timestamp(datetime(2026, 10, 1, tzinfo=LISBON))
    assert f"week: {len(week):,} rows" in capsys.readouterr().out


@pytest.mark.parametrize(("line", "message"), [
    ("calls --last 7d --start 2026-10-01",
     "%explore: argument --last: not allowed with argument --start (see %explore --help)."),
    ("calls --start 2026-10-01", "%explore: the following arguments are required: --end (see %explore --help)."),
    ("calls --last fortnight", "%explore: --last: 'fortnight' is not a preset."),
    ("calls --last 7d --tz Lisbon", "%explore: --tz: 'Lisbon' is not an IANA time zone."),
    ("calls --last 7d --format xml", "%explore: argument --format: invalid choice: 'xml'"),
    ("calls --last 7d -o 'my frame'", "%explore: -o 'my frame' is not a Python name"),
    ("", "%explore: the following arguments are required: report"),
])
def test_mistakes_are_the_command_lines_one_line_messages(shell: InteractiveShell, emu: Emulator,
                                                          line: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        shell.run_line_magic("explore", line)
    assert str(info.value).startswith(message)
    assert emu.jobs() == []  # nothing was started


def test_help_prints_and_returns_nothing(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    assert shell.run_line_magic("explore", "--help") is None
    out = capsys.readouterr().out
    assert "usage: %explore" in out and "--last" in out and "-o VARIABLE" in out


@pytest.fixture
def fast_shell(emu: Emulator) -> Iterator[InteractiveShell]:
    """The shell, with a client that does not retry (a failure shows at once)."""
    ip = InteractiveShell.instance()
    with Client(**emu.credentials, timeout=(5, 30), max_retries=0, sleep=lambda _: None) as client:
        previous = set_default_client(client)
        try:
            ip.run_line_magic("load_ext", "explore_pandas")
            yield ip
        finally:
            set_default_client(previous)
            ip.user_ns.pop("week", None)


@pytest.mark.parametrize(("fault", "expected"), [
    ("processing", "%explore: JobFailedError: "),
    ("forbidden", "%explore: ForbiddenError: "),
    ("unavailable", "%explore: ServerError: "),
    ("closed", "%explore: TransportError: "),
])
def test_a_failed_pull_is_one_line_on_stderr_and_no_value(fast_shell: InteractiveShell, emu: Emulator,
                                                          capsys: pytest.CaptureFixture[str],
                                                          fault: str, expected: str) -> None:
    secret = emu.credentials["client_secret"]
    if fault == "processing":
        emu.configure(fail_at="processing")
    elif fault == "forbidden":
        emu.inject("status", status=403, endpoint="create")
    elif fault == "unavailable":
        emu.inject("status", status=503, endpoint="create", count=50)
    else:
        emu.close()
    value = fast_shell.run_line_magic("explore", "calls --start 2026-10-01 --end 2026-10-02 --tz UTC -o week -q")
    assert value is None and "week" not in fast_shell.user_ns
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), err  # one line, no traceback
    assert "Traceback" not in err and secret not in err


@pytest.mark.parametrize(("name", "message"), [
    ("class", "%explore: -o 'class' is a Python keyword, not a variable name; use e.g. -o df"),
    ("None", "%explore: -o 'None' is a Python keyword, not a variable name; use e.g. -o df"),
    ("match", "%explore: -o 'match' is a Python soft keyword (of match statements); use e.g. -o df"),
    ("_", "%explore: -o '_' is where IPython keeps the last output (and a soft keyword, match's wildcard): the "
          "next cell would replace it; use e.g. -o df"),
    ("print", "%explore: -o 'print' would hide Python's built-in print() in this notebook; pick another name, "
              "e.g. -o df"),
    ("list", "%explore: -o 'list' would hide Python's built-in list() in this notebook; pick another name, "
             "e.g. -o df"),
    ("xp", ("%explore: -o 'xp' would replace the module xp (explore_pandas) in this notebook; "
            "pick another name, e.g. -o df")),
    *((name, f"%explore: -o {name!r} is one of IPython's own names (its history and outputs: In, Out, _1, "
             "__...); pick another name, e.g. -o df") for name in ("In", "Out", "_1", "__", "_i3")),
])
def test_dash_o_refuses_keywords_and_a_name_holding_a_module(shell: InteractiveShell, emu: Emulator,
                                                             name: str, message: str) -> None:
    import explore_pandas

    shell.user_ns["xp"] = explore_pandas
    try:
        with pytest.raises(UsageError) as info:
            shell.run_line_magic("explore", f"calls --last 1d -o {name}")
        assert str(info.value) == message
        assert shell.user_ns["xp"] is explore_pandas and emu.jobs() == []
    finally:
        shell.user_ns.pop("xp", None)


def test_without_a_client_or_credentials_it_pulls_from_the_embedded_emulator(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from explore_pandas.api.config import ENV_NAMES

    for name in [*ENV_NAMES.values(), "EXPLORE_PROFILE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path / "cache"))
    ip = InteractiveShell.instance()
    previous = set_default_client(None)
    try:
        ip.run_line_magic("load_ext", "explore_pandas")
        df = ip.run_line_magic("explore", "calls --last 1d --tz Europe/Lisbon -q")
    finally:
        set_default_client(previous)
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    err = capsys.readouterr().err
    assert "No EXPLORE_* credentials set: using the embedded emulator at http://127.0.0.1:" in err
    assert "missing" not in err


@pytest.mark.parametrize("line", ["calls --last 1d --tz Lisbon -q", "calls --start 2000-01-01 --end 2026-01-01 -q",
                                  "calls --last 1d --columns talktime -q"])
def test_a_mistake_without_credentials_is_said_before_any_emulator_starts(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str], line: str) -> None:
    from explore_pandas.api.config import ENV_NAMES

    for name in [*ENV_NAMES.values(), "EXPLORE_PROFILE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path / "cache"))
    ip = InteractiveShell.instance()
    previous = set_default_client(None)
    try:
        ip.run_line_magic("load_ext", "explore_pandas")
        with pytest.raises(UsageError):
            ip.run_line_magic("explore", line)
    finally:
        set_default_client(previous)
    assert "emulator" not in capsys.readouterr().err  # no notice of an emulator that served nothing


def test_some_credentials_set_is_the_missing_ones_named_not_the_emulator(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from explore_pandas.api.config import ENV_NAMES

    for name in [*ENV_NAMES.values(), "EXPLORE_PROFILE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXPLORE_ACCOUNT", "acme")
    ip = InteractiveShell.instance()
    previous = set_default_client(None)
    try:
        ip.run_line_magic("load_ext", "explore_pandas")
        with pytest.raises(UsageError) as info:
            ip.run_line_magic("explore", "calls --last 1d --tz Europe/Lisbon -q")
    finally:
        set_default_client(previous)
    assert str(info.value).startswith("%explore: EXPLORE_CLIENT_ID and EXPLORE_CLIENT_SECRET are missing")


def test_a_trailing_comment_is_left_out_as_python_would(shell: InteractiveShell, emu: Emulator) -> None:
    df = shell.run_line_magic("explore", "calls --last yesterday --tz Europe/Lisbon -q  # yesterday's calls")
    start, end = preset_range("yesterday", LISBON)
    assert isinstance(df, pd.DataFrame) and df.explore.timespan == (pd.Timestamp(start), pd.Timestamp(end))


def test_max_jobs_and_columns_are_pulls_options_here_too(shell: InteractiveShell, emu: Emulator) -> None:
    with pytest.raises(UsageError) as info:
        shell.run_line_magic("explore", "calls --start 2023-01-01 --end 2026-01-01 -q")
    assert "pass --max-jobs 36 to confirm" in str(info.value) and emu.jobs() == []
    df = shell.run_line_magic("explore", "calls --start 2026-09-01 --end 2026-09-03 --columns call_id,talk_time "
                                         "--max-jobs 1 -q")
    assert list(df.columns) == ["call_id", "talk_time"] and len(emu.jobs()) == 1
