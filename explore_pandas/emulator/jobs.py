"""Report jobs: the state machine, the account quota, retention and ground truth.

No HTTP here (moto's split of model and responses): ``api.py`` turns these
objects and the :class:`ApiFailure` errors into answers.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from explore_pandas.emulator import data
from explore_pandas.emulator.clock import Clock
from explore_pandas.emulator.errors import ApiFailure
from explore_pandas.emulator.options import API_ROW_LIMIT, STAGES, Options, progression_of
from explore_pandas.emulator.rules import CreateRequest

logger = logging.getLogger(__name__)

LADDER = (*STAGES, "done")
ACTIVE = frozenset(STAGES)
FILE_SUFFIX = {"csv": "csv", "json": "json", "json_bulk": "jsonl"}


@dataclass
class Job:
    """One report job and everything fixed when it was created."""

    id: str
    slug: str
    request: CreateRequest
    created_at: datetime
    progression: tuple[str, float]
    fail_stage: str | None
    data_end: datetime  # rows newer than creation minus the latency are not in the file
    matching_rows: int
    row_limit: int
    rate: float | None
    render_tz: str
    json_total: int
    layout: str | None = None  # another published layout of the report (options.layouts)
    account_timezone: str = "Europe/Lisbon"
    status: str = "created"
    polls: int = 0
    done_at: datetime | None = None
    file_path: Path | None = None
    file_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def rows(self) -> int:
        """Rows in the file: the first ``row_limit`` rows in time order."""
        return min(self.matching_rows, self.row_limit)

    def describe(self) -> dict[str, Any]:
        """The job object of the API (section 4.6)."""
        request = self.request
        return {
            "id": self.id,
            "name": request.name,
            "timezone": request.timezone,
            "status": self.status,
            "format": request.format,
            "timespan": request.timespan,
            "created_at": self.created_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "type": self.slug,
        }

    def truth(self) -> dict[str, Any]:
        """What tests may check: the job, its raw request and the rows it holds."""
        return {
            **self.describe(),
            "request": self.request.raw,
            "from_utc": self.request.start.isoformat(),
            "to_utc": self.request.end.isoformat(),
            "data_to_utc": self.data_end.isoformat(),
            "matching_rows": self.matching_rows,
            "rows": self.rows,
            "polls": self.polls,
        }


class JobStore:
    """All jobs of the emulated account."""

    def __init__(self, clock: Clock, options: Callable[[], Options], *, seed: int, files_dir: Path) -> None:
        self._clock = clock
        self._options = options
        self._seed = seed
        self._files_dir = files_dir
        self._lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self.max_running = 0
        # Timed jobs write their file while they "process", as the service does, so that it is
        # ready when they are done; two writers at most, to leave the machine's cores to clients.
        self._writers = ThreadPoolExecutor(2, thread_name_prefix="explore-emulator-writer")

    def reset(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                _remove(job.file_path)
            self._jobs.clear()
            self.max_running = 0

    # -- operations of the API ---------------------------------------------------------

    def create(self, slug: str, request: CreateRequest) -> Job:
        options = self._options()
        now = self._clock.now()
        data_end = min(request.end, now - timedelta(seconds=options.latency_seconds))
        rate = data.voice_rate(options.rates, slug)
        matching = (
            data.count_rows(slug, request.start, data_end, seed=self._seed, rate=rate,
                            account_timezone=options.account_timezone)
            if data_end > request.start else 0
        )
        if matching > options.row_limit and options.on_row_limit == "auto":
            check_cut_is_seen(options, request.format, matching)
        fail_stage = options.fail_at
        if fail_stage is None and matching > options.row_limit and options.on_row_limit == "fail":
            fail_stage = "processing"  # the result is computed, found too big, and refused
        job = Job(
            # Born when registered, not when the request came: counting the rows takes a moment of
            # this machine's time, and a job older than its processing time would be born done.
            id=str(uuid.uuid4()), slug=slug, request=request, created_at=max(now, self._clock.now()),
            progression=progression_of(options), fail_stage=fail_stage, data_end=data_end,
            matching_rows=matching, row_limit=options.row_limit, rate=rate,
            render_tz=request.timezone if options.render_tz == "job" else "UTC",
            json_total=matching if options.total == "matching" else min(matching, options.row_limit),
            layout=options.layouts.get(slug),
            account_timezone=options.account_timezone,
        )
        with self._lock:
            running = self._refresh_all()
            if running >= options.quota:
                raise _quota_exceeded(options)
            self._jobs[job.id] = job
            self.max_running = max(self.max_running, running + 1)
        if job.progression[0] == "seconds" and job.fail_stage is None:
            self._writers.submit(self._prepare, job)
        return job

    def close(self) -> None:
        """Stop the background writers (files being written are abandoned)."""
        self._writers.shutdown(wait=False, cancel_futures=True)

    def _prepare(self, job: Job) -> None:
        try:
            self.file_for(job)
        except Exception:  # a download writes it again on demand; keep the writer alive
            logger.debug("background write of job %s failed", job.id, exc_info=True)

    def get(self, slug: str, job_id: str, *, poll: bool = False) -> Job:
        """The job, moved along its progression; ``poll`` counts a status read."""
        with self._lock:
            job = self._find(slug, job_id)
            if poll and job.status in ACTIVE:
                job.polls += 1
            self._advance(job)
            return job

    def cancel(self, slug: str, job_id: str) -> Job:
        with self._lock:
            job = self.get(slug, job_id)
            if job.status not in ACTIVE:
                raise ApiFailure(403, "forbidden", f"a job in status {job.status!r} cannot be canceled")
            job.status = "canceled"
            return job

    def delete_file(self, slug: str, job_id: str) -> Job:
        with self._lock:
            job = self.get(slug, job_id)
            if job.status in ACTIVE:
                raise ApiFailure(404, "not_found", "the report file is not ready yet")
            if job.status != "done":
                raise ApiFailure(403, "forbidden", f"a job in status {job.status!r} has no file to delete")
            self._delete(job)
            return job

    def listing(self, slug: str) -> list[Job]:
        """Jobs of one report type, newest first."""
        with self._lock:
            self._refresh_all()
            jobs = [job for job in self._jobs.values() if job.slug == slug]
        return sorted(jobs, key=lambda job: job.created_at, reverse=True)

    # -- ground truth --------------------------------------------------------------------

    def all(self) -> list[Job]:
        with self._lock:
            self._refresh_all()
            return sorted(self._jobs.values(), key=lambda job: job.created_at)

    def lookup(self, job_id: str) -> Job | None:
        """The job with this id, whatever its type, moved along by the clock."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._advance(job)
            return job

    def running(self) -> int:
        with self._lock:
            return self._refresh_all()

    def file_for(self, job: Job) -> Path:
        """The job's report file, written on first use (atomically: temp file, then rename)."""
        with job.file_lock:
            if job.file_path is None or not job.file_path.exists():
                path = self._files_dir / f"{job.slug}_{job.id}.{FILE_SUFFIX[job.request.format]}"
                partial = path.with_name(path.name + ".partial")
                data.write_report(
                    partial, job.slug, job.request.format, job.request.start, job.data_end,
                    seed=self._seed, rate=job.rate, limit=job.row_limit,
                    total=job.json_total, render_tz=job.render_tz, layout=job.layout,
                    account_timezone=job.account_timezone,
                )
                os.replace(partial, path)
                job.file_path = path
            return job.file_path

    # -- the state machine ---------------------------------------------------------------

    def _find(self, slug: str, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None or job.slug != slug:
            raise ApiFailure(404, "not_found", f"no {slug} report job with id {job_id}")
        return job

    def _refresh_all(self) -> int:
        """Advance every job by the clock; return how many hold a quota slot."""
        for job in self._jobs.values():
            self._advance(job)
        return sum(job.status in ACTIVE for job in self._jobs.values())

    def _advance(self, job: Job) -> None:
        now = self._clock.now()
        if job.status == "done":
            retention = timedelta(days=self._options().retention_days)
            if job.done_at is not None and now >= job.done_at + retention:
                self._delete(job)
            return
        if job.status not in ACTIVE:
            return  # failed, canceled and deleted are final
        stage = self._natural_stage(job, now)
        if job.fail_stage is not None and stage > LADDER.index(job.fail_stage):
            job.status = "failed"
        elif LADDER[stage] == "done":
            job.status = "done"
            job.done_at = self._done_time(job, now)
        else:
            job.status = LADDER[stage]

    @staticmethod
    def _natural_stage(job: Job, now: datetime) -> int:
        kind, amount = job.progression
        if kind == "immediate":
            return 3
        if kind == "polls":
            if job.polls >= amount:
                return 3
            # reads before the N-th walk through processing and uploading
            return 0 if job.polls == 0 else min(2, 1 + (job.polls - 1) * 2 // max(int(amount) - 1, 1))
        elapsed = (now - job.created_at).total_seconds()
        if elapsed >= amount:
            return 3
        return 0 if elapsed < 0.2 * amount else 1 if elapsed < 0.6 * amount else 2

    @staticmethod
    def _done_time(job: Job, now: datetime) -> datetime:
        kind, amount = job.progression
        if kind == "seconds":
            return job.created_at + timedelta(seconds=amount)
        return job.created_at if kind == "immediate" else now

    @staticmethod
    def _delete(job: Job) -> None:
        job.status = "deleted"
        _remove(job.file_path)
        job.file_path = None


def _quota_exceeded(options: Options) -> ApiFailure:
    headers = {}
    if options.quota_retry_after is not None:
        headers["Retry-After"] = str(int(options.quota_retry_after))
    return ApiFailure(
        429, "too_many_requests",
        f"The account quota of {options.quota} simultaneous reports (executing + enqueued) is exceeded",
        message="Too many requests", headers=headers,
    )


def _remove(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def check_cut_is_seen(options: Options, format: str, matching: int) -> None:
    """Refuse (400) a file cut below the API's 1,000,000 rows where no client could tell.

    A client knows a file is full by its 1,000,000 rows or by a json ``total``
    above the rows; a smaller ``row_limit`` in csv or json_bulk (or json with
    ``total="rows"``) would look complete. ``on_row_limit="truncate"`` cuts anyway.
    """
    if options.row_limit >= API_ROW_LIMIT or (format == "json" and options.total == "matching"):
        return
    raise ApiFailure(
        400, "row_limit_unseen",
        f"the emulator's row_limit={options.row_limit:,} would cut this {format} file at {options.row_limit:,} "
        f"of {matching:,} rows, and it would look complete: clients detect the API's limit of "
        f"{API_ROW_LIMIT:,} rows, or a json total above the rows. Ask for format='json' with the emulator's "
        "total='matching' to see the cut, or set on_row_limit='truncate' (cut silently, as the raw API "
        "would) or 'fail' (the job fails)",
        message="Row limit of the emulator not visible in this format",
        fields=[{"name": "format", "description": f"the emulator's row_limit={options.row_limit} is unseen in {format}"}],
    )
