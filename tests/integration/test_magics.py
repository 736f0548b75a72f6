"""``%load_ext explore_pandas`` and ``%explore`` in a real IPython shell, against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from explore_pandas.api.client import Client, set_default_client
from explore_pandas.api.presets import preset_range
from explore_pandas.emulator import Emulator

IPython = pytest.importorskip("IPython")
from IPython.core.error import UsageError  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

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
