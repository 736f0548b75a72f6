"""A create whose answer was lost: find the job it made, if any, before sending it again.

The request may have reached the server (the connection broke after it was
sent). Sending it blindly again could make a second job and use quota twice,
so the job history is searched first (``CreateRecovery`` says how far).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from explore_pandas.api.models import Job, ReportRequest
from explore_pandas.api.retry import CreateRecovery
from explore_pandas.exceptions import NotFoundError, TransportError

__all__ = ["created_after", "find_created"]


def find_created(list_jobs: Callable[..., Iterator[Job]], request: ReportRequest, policy: CreateRecovery, *,
             unique: bool, after: datetime) -> Job | None:
    """The job a lost create answer would have described, from the job history.

    Default names are unique, so the name alone identifies the job. A name the
    caller chose may repeat: then the window, zone and format must match too,
    and the job must have been created after the attempt (``created_at`` is UTC;
    ``CreateRecovery.clock_skew`` absorbs a server clock behind ours).
    """
    body = request.to_body()
    wanted = (request.name, body["timespan"]["from"], body["timespan"]["to"], request.timezone, request.format)
    try:
        for job in list_jobs(request.report, max_pages=policy.lookup_pages):
            if job.name != request.name:
                continue
            if unique:
                return job
            seen = (job.name, job.timespan_from, job.timespan_to, job.timezone, job.format)
            if seen == wanted and created_after(job, after - policy.clock_skew):
                return job
    except NotFoundError:
        raise TransportError(
            f"the answer to creating job {request.name!r} was lost and this API has no job "
            "list to check whether it exists; not re-sending it, to avoid a duplicate job. "
            "Check the Explore UI before creating it again.",
            request_sent=True,
        ) from None
    return None


def created_after(job: Job, moment: datetime) -> bool:
    created = job.created_time
    return True if created is None else created >= moment  # unknown: name, window, zone and format matched
