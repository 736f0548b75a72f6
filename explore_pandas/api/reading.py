"""One finished job's file as a typed frame: ``Client.read_job``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from explore_pandas.api import validation
from explore_pandas.api.models import Job
from explore_pandas.files import scratch_folder
from explore_pandas.frames.limits import warn_row_limit
from explore_pandas.frames.options import check_columns, check_dtype, check_dtype_backend
from explore_pandas.frames.parsing import parse_file
from explore_pandas.frames.provenance import (
    PULL_ADVICE,
    provenance,
    request_record,
    window_record,
    window_where,
)
from explore_pandas.reports import report_type

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client

__all__ = ["read_job"]


def read_job(client: Client, job: Job | str, *, report: str | None = None, tz: str | None = None,
             encoding_errors: str = "strict", columns: Sequence[str] | None = None,
             dtype_backend: str = "numpy_nullable", dtype: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Download and parse one finished job (see :meth:`Client.read_job`).

    The file goes to a scratch folder that is removed once the frame is built.
    ``attrs["explore"]`` describes the job as a one-window pull, its bounds in
    the job's own zone, as they were sent. ``columns``, ``dtype_backend`` and ``dtype``
    are checked before any request, then applied as :func:`explore_pandas.read_file` does.
    """
    if report is not None:
        check_dtype(dtype, report_type(report).slug, check_columns(columns, report_type(report).slug))
    check_dtype_backend(dtype_backend)
    if not isinstance(job, Job) or job.format is None or job.timespan_from is None:
        job = client.get_job(job, report)
    zone = validation.check_timezone(tz or job.timezone or "UTC")
    sent_in = validation.check_timezone(job.timezone or "UTC")
    start = validation.to_zone(job.timespan_from or "", sent_in, "timespan.from")
    end = validation.to_zone(job.timespan_to or "", sent_in, "timespan.to")
    fmt = job.format or "csv"
    with scratch_folder("explore-job-") as scratch:
        parsed = parse_file(client.download(job, dest=scratch), report=job.report, format=fmt, tz=zone.key,
                            encoding_errors=encoding_errors, columns=columns, dtype_backend=dtype_backend,
                            dtype=dtype)
    frame, rows = parsed.frame, len(parsed.frame)
    warn_row_limit(job.report, rows, parsed.total, where=window_where(start, end, job.id), advice=PULL_ADVICE,
                   stacklevel=3)
    frame.attrs["explore"] = provenance(request_record(job.report, zone.key, fmt, start, end, "warn"),
                                        [window_record(start, end, job.id, rows, parsed.total, False, parsed.layout)])
    return frame
