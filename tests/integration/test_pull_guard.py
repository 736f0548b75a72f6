"""A range of more windows than MAX_JOBS is refused before any job, by every entry point that plans a pull."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from explore_pandas.api.client import Client
from explore_pandas.emulator import Emulator
from explore_pandas.engines.parquet import write_parquet
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import ValidationError
from explore_pandas.pulls.plan import MAX_JOBS, allowing_jobs, plan_pull

NOW = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
TYPO = ("start: 2000-01-01 .. 2026-09-03 (UTC) needs 315 report jobs (one per window of at most 31 days), "
        "more than the 24 a pull makes unless told (about 24 months). Check the range, or pass max_jobs=315 "
        "to confirm.")


def test_the_default_is_about_two_years() -> None:
    assert MAX_JOBS == 24
    assert len(plan_pull("calls", start="2024-11-01", end="2026-09-01", now=NOW).windows) == 22  # under: planned


def test_plan_pull_refuses_a_typo_in_the_year_naming_start_and_the_fix() -> None:
    with pytest.raises(ValidationError) as caught:
        plan_pull("calls", start="2000-01-01", end="2026-09-03", now=NOW)
    assert str(caught.value) == TYPO
    assert [f["name"] for f in caught.value.fields] == ["start", "max_jobs"]


def test_max_jobs_confirms_and_a_preset_is_named_as_the_field() -> None:
    assert len(plan_pull("calls", start="2000-01-01", end="2026-09-03", now=NOW, max_jobs=315).windows) == 315
    with pytest.raises(ValidationError, match=r"^last: 2024-03-04 \.\. 2026-11-27 \(UTC\) needs 33 report jobs"):
        plan_pull("calls", last="998d", now=NOW)
    with allowing_jobs(33):
        assert len(plan_pull("calls", last="998d", now=NOW).windows) == 33
    with pytest.raises(ValidationError, match=r"^max_jobs: 0 is not a number of report jobs\. Use a whole number"):
        plan_pull("calls", start="2026-09-01", end="2026-09-02", now=NOW, max_jobs=0)


def test_read_report_and_the_parquet_writer_start_no_job(emu: Emulator, client: Client, tmp_path: Path) -> None:
    for pull in (lambda: read_report("calls", start="2000-01-01", end="2026-09-03", client=client, progress=False),
                 lambda: write_parquet("calls", start="2000-01-01", end="2026-09-03", path=tmp_path / "calls",
                                       client=client, progress=False)):
        with pytest.raises(ValidationError, match=r"^start: 2000-01-01 \.\. 2026-09-03 \(UTC\) needs 315 report jobs"):
            pull()
    assert emu.stats()["jobs_created"] == 0 and emu.stats()["requests"].get("create", 0) == 0
    assert not (tmp_path / "calls").exists()


def test_allowing_jobs_reaches_read_report(emu: Emulator, client: Client) -> None:
    """The command line's --max-jobs, through an engine that plans the range again."""
    with allowing_jobs(2):
        frame = read_report("calls", start="2026-08-01", end="2026-09-03", client=client, progress=False,
                            ledger=False)
    assert len(frame.attrs["explore"]["windows"]) == 2 and emu.stats()["jobs_created"] == 2


def test_max_jobs_is_a_keyword_of_read_report_and_write_parquet(emu: Emulator, client: Client,
                                                                 tmp_path: Path) -> None:
    span = {"start": "2026-08-01", "end": "2026-09-03", "client": client, "progress": False, "ledger": False}
    with pytest.raises(ValidationError, match=r"needs 2 report jobs .* pass max_jobs=2 to confirm"):
        read_report("calls", max_jobs=1, **span)
    with pytest.raises(ValidationError, match=r"needs 2 report jobs"):
        write_parquet("calls", path=tmp_path / "calls", max_jobs=1, **span)
    assert emu.stats()["jobs_created"] == 0
    assert len(read_report("calls", max_jobs=2, **span).attrs["explore"]["windows"]) == 2
