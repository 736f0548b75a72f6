"""dtype_backend, columns and dtype on every entry point against the emulator, in all three formats."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

import explore_pandas as xp
from explore_pandas.api.client import Client
from explore_pandas.api.polling import PollPolicy
from explore_pandas.cli.main import main
from explore_pandas.emulator import Emulator
from explore_pandas.exceptions import ValidationError

FAST = PollPolicy(initial=0.05, maximum=0.2, timeout=60)
LISBON = ZoneInfo("Europe/Lisbon")
SPAN = {"start": datetime(2026, 9, 20, tzinfo=LISBON), "end": datetime(2026, 10, 10, tzinfo=LISBON)}
PICK = ["end_at", "call_id", "type", "talk_time", "is_transfer"]
FORMATS = ["csv", "json", "json_bulk"]


@pytest.fixture
def fast_client(emu: Emulator) -> Any:
    with Client(**emu.credentials, timeout=(5, 30)) as client:
        yield client


def _bare(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.attrs = {}
    return frame


def _check_lean(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == PICK
    assert str(frame["end_at"].dtype) == "timestamp[us, tz=Europe/Lisbon][pyarrow]"
    assert pa.types.is_dictionary(frame["type"].dtype.pyarrow_dtype)
    assert frame["is_transfer"].dtype == pd.ArrowDtype(pa.bool_())
    assert frame["talk_time"].dtype == "float64"


@pytest.mark.parametrize("fmt", FORMATS)
def test_read_report_and_the_accessor(emu: Emulator, fast_client: Client, fmt: str) -> None:
    options = dict(tz="Europe/Lisbon", client=fast_client, progress=False, poll=FAST, format=fmt, **SPAN)
    full = xp.read_report("calls", fresh=True, **options)
    lean = xp.read_report("calls", fresh=True, columns=PICK, dtype_backend="pyarrow",
                          dtype={"talk_time": "float64"}, **options)
    _check_lean(lean)
    assert lean["call_id"].tolist() == full["call_id"].tolist()
    via = pd.DataFrame.explore.read("calls", columns=PICK, dtype_backend="pyarrow", dtype={"talk_time": "float64"},
                                    **options)
    assert via.attrs["explore"]["cached"]  # the fresh pulls above were kept
    assert_frame_equal(_bare(via), _bare(lean))


@pytest.mark.parametrize("fmt", FORMATS)
def test_client_read_job(emu: Emulator, fast_client: Client, fmt: str) -> None:
    job = fast_client.wait(fast_client.create_job("calls", tz="Europe/Lisbon", format=fmt, **SPAN))
    lean = fast_client.read_job(job, columns=PICK, dtype_backend="pyarrow", dtype={"talk_time": "float64"})
    _check_lean(lean)
    assert len(lean) == len(fast_client.read_job(job))


def test_read_job_checks_the_options_before_any_request(emu: Emulator, fast_client: Client) -> None:
    before = sum(emu.stats()["requests"].values())
    with pytest.raises(ValidationError, match="start_at"):
        fast_client.read_job("any-id", report="calls", columns=["strat_at"])
    with pytest.raises(ValidationError, match="dtype_backend"):
        fast_client.read_job("any-id", report="calls", dtype_backend="arrow")
    assert sum(emu.stats()["requests"].values()) == before


def test_read_report_checks_the_options_before_any_request(emu: Emulator, fast_client: Client) -> None:
    with pytest.raises(ValidationError) as caught:
        xp.read_report("calls", tz="UTC", client=fast_client, columns=["talktime"], **SPAN)
    assert "Did you mean 'talk_time'" in str(caught.value)
    assert sum(emu.stats()["requests"].values()) == 0


def test_write_parquet_keeps_the_columns_and_the_day_column(emu: Emulator, fast_client: Client,
                                                            tmp_path: Path) -> None:
    xp.write_parquet("calls", path=tmp_path / "out", tz="Europe/Lisbon", client=fast_client, progress=False,
                     poll=FAST, columns=["call_id", "talk_time"], dtype={"talk_time": "float64"}, **SPAN)
    back = pd.read_parquet(tmp_path / "out")
    assert {"call_id", "talk_time", "end_at", "day"} == set(back.columns)
    assert back["talk_time"].dtype == "float64"


def test_pull_columns_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EXPLORE_ACCOUNT", "EXPLORE_REGION", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET",
                 "EXPLORE_BASE_URL", "EXPLORE_TOKEN_URL"):
        monkeypatch.delenv(name, raising=False)
    target = tmp_path / "calls.parquet"
    assert main(["pull", "calls", "--start", "2026-09-01", "--end", "2026-09-03", "--tz", "Europe/Lisbon",
                 "--columns", "call_id,end_at", "-o", str(target)]) == 0
    assert list(pd.read_parquet(target).columns) == ["call_id", "end_at"]
    assert main(["pull", "calls", "--start", "2026-09-01", "--end", "2026-09-03", "--columns", "cal_id",
                 "-o", str(tmp_path / "x.csv")]) == 2
