"""One finished job's file as a typed frame: ``Client.read_job``."""

from __future__ import annotations

import tempfile
import warnings
from typing import TYPE_CHECKING

from explore_pandas.api import validation
from explore_pandas.api.models import Job
from explore_pandas.exceptions import RowLimitWarning
from explore_pandas.frames.parsing import parse_file
from explore_pandas.frames.provenance import (
    is_truncated,
    provenance,
    request_record,
    row_limit_message,
    window_record,
)

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client

__all__ = ["read_job"]


def read_job(client: Client, job: Job | str, *, report: str | None = None, tz: str | None = None) -> pd.DataFrame:
    """Download and parse one finished job (see :meth:`Client.read_job`).

    The file goes to a scratch folder that is removed once the frame is built.
    ``attrs["explore"]`` describes the job as a one-window pull, its bounds in
    the job's own zone, as they were sent.
    """
    if not isinstance(job, Job) or job.format is None or job.timespan_from is None:
        job = client.get_job(job, report)
    zone = validation.check_timezone(tz or job.timezone or "UTC")
    sent_in = validation.check_timezone(job.timezone or "UTC")
    start = validation.to_zone(job.timespan_from or "", sent_in, "timespan.from")
    end = validation.to_zone(job.timespan_to or "", sent_in, "timespan.to")
    fmt = job.format or "csv"
    with tempfile.TemporaryDirectory(prefix="explore-job-") as scratch:
        parsed = parse_file(client.download(job, dest=scratch), report=job.report, format=fmt, tz=zone.key)
    frame, rows = parsed.frame, len(parsed.frame)
    if is_truncated(rows, parsed.total):
        warnings.warn(row_limit_message(job.report, start.isoformat(), end.isoformat(), job.id, rows,
                                        parsed.total), RowLimitWarning, stacklevel=3)
    frame.attrs["explore"] = provenance(request_record(job.report, zone.key, fmt, start, end, "warn"),
                                        [window_record(start, end, job.id, rows, parsed.total, False)])
    return frame
