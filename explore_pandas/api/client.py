"""``Client``: the Explore API's operations, orchestrated. Nothing else lives here.

Settings come from :mod:`config`, tokens from :mod:`auth`, HTTP from
:mod:`transport`, rules from :mod:`validation`, the wait loop from
:mod:`polling` and files from :mod:`download`.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from explore_pandas.api import config, validation
from explore_pandas.api.auth import BearerAuth, TokenSource
from explore_pandas.api.download import SUFFIXES, download_file, storage_url
from explore_pandas.api.models import Job, JobStatus, ReportRequest
from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy, wait_for
from explore_pandas.api.reading import read_job
from explore_pandas.api.recovery import find_created
from explore_pandas.api.retry import (
    DEFAULT_CREATE_RECOVERY,
    DEFAULT_DOWNLOAD_RETRY,
    DEFAULT_RETRY_POLICY,
    DEFAULT_TOKEN_RENEWAL,
    CreateRecovery,
    DownloadRetry,
    RetryPolicy,
)
from explore_pandas.api.transport import DEFAULT_TIMEOUT, Transport
from explore_pandas.exceptions import (
    AuthenticationError,
    ForbiddenError,
    JobError,
    TransportError,
)
from explore_pandas.reports import ReportType, report_type

__all__ = ["Client", "connect", "get_client", "set_default_client"]

log = logging.getLogger(__name__)


class Client:
    """A connection to the Explore API of one Talkdesk account.

    Parameters
    ----------
    account : the Talkdesk account name (``https://<account>.talkdeskid.com``).
    region : ``"us"`` (the default), ``"eu"``, ``"ca"`` or ``"au"``.
    client_id, client_secret : a client-credentials OAuth client with the scopes
        ``data-reports:read data-reports:write``.
    base_url, token_url : override the regions table (the emulator, a proxy).
    profile : a profile saved by ``explore-pandas login``. Each setting comes from the
        arguments, then ``EXPLORE_*``, then this profile (or ``EXPLORE_PROFILE``'s, else
        ``default``'s): see :func:`explore_pandas.api.config.resolve_with_sources`.
    timeout : per-request (connect, read) seconds.
    max_retries : retries of one request on 429, 503 and connection errors.
    retry, create_recovery, download_retry : the retry policies of
        :mod:`explore_pandas.api.retry` (``retry`` overrides ``max_retries``).
    verify : TLS verification: True, False, or a CA bundle path.
    clock, sleep, rng : monotonic clock, sleep and randomness (injected in tests).

    Examples
    --------
    >>> client = Client(account="acme", region="eu", client_id="...", client_secret="...")  # doctest: +SKIP
    >>> job = client.wait(client.create_job("calls", start="2026-08-01", end="2026-08-02"))  # doctest: +SKIP
    >>> path = client.download(job)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        account: str | None = None,
        region: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        base_url: str | None = None,
        token_url: str | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_RETRY_POLICY.max_retries,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        create_recovery: CreateRecovery = DEFAULT_CREATE_RECOVERY,
        download_retry: DownloadRetry = DEFAULT_DOWNLOAD_RETRY,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        settings: config.Settings | None = None,
        profile: str | None = None,
    ) -> None:
        self.settings = settings or config.resolve(
            profile=profile,
            account=account,
            region=region,
            client_id=client_id,
            client_secret=client_secret,
            base_url=base_url,
            token_url=token_url,
        )
        policy = retry or RetryPolicy(max_retries=max_retries)
        self.create_recovery, self.download_retry = create_recovery, download_retry
        self._clock, self._sleep = clock, sleep
        self._transport = Transport(timeout=timeout, retry=policy, verify=verify, sleep=sleep, rng=rng)
        self._tokens = TokenSource(self.settings, self._transport, clock=clock)

    @classmethod
    def from_env(cls, **options: Any) -> Client:
        """A client from the ``EXPLORE_*`` environment variables (see :func:`config.from_env`)."""
        return cls(settings=config.from_env(), **options)

    def __repr__(self) -> str:
        s = self.settings
        return f"Client(base_url={s.base_url!r}, region={s.region!r}, account={s.account!r}, client_id={s.client_id!r})"

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) seconds of every request."""
        return self._transport.timeout

    @property
    def verify(self) -> bool | str:
        """TLS verification: True, False or a CA bundle path."""
        return self._transport.verify

    @property
    def clock(self) -> Callable[[], float]:
        """The monotonic clock this client times its waits with (injected in tests)."""
        return self._clock

    def sleep(self, seconds: float) -> None:
        """Pause as this client pauses between polls and retries (injected in tests)."""
        self._sleep(seconds)

    def read_job(self, job: Job | str, *, report: str | None = None, tz: str | None = None,
                 encoding_errors: str = "strict", columns: Sequence[str] | None = None,
                 dtype_backend: str = "numpy_nullable", dtype: Mapping[str, Any] | None = None) -> Any:
        """Download and parse one finished job: a typed, timezone-aware DataFrame.

        ``tz`` defaults to the job's own time zone. A file at the 1,000,000-row
        limit gives a :class:`RowLimitWarning`. ``columns``, ``dtype_backend`` and
        ``dtype`` are pandas' reader options, as for :func:`explore_pandas.read_report`.
        """
        return read_job(self, job, report=report, tz=tz, encoding_errors=encoding_errors, columns=columns,
                        dtype_backend=dtype_backend, dtype=dtype)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- operations ------------------------------------------------------------------------

    def create_job(
        self,
        report: str | ReportType,
        *,
        start: validation.TimeLike,
        end: validation.TimeLike,
        tz: str = "UTC",
        format: str = "csv",
        name: str | None = None,
    ) -> Job:
        """Validate, then ``POST /data/reports/{type}/jobs``; the created job.

        The request is checked before anything is sent (:func:`validation.build_request`).
        A create whose answer was lost is never blindly re-sent: the job history is
        searched for it first (every job gets a unique default name for this).
        """
        request = validation.build_request(report, start=start, end=end, tz=tz, format=format, name=name)
        return self.submit(request, unique_name=name is None)

    def submit(
        self,
        request: ReportRequest,
        *,
        unique_name: bool = True,
        on_retry: Callable[[int | None], None] | None = None,
    ) -> Job:
        """``POST`` an already validated request (see :func:`validation.build_request`).

        ``unique_name`` says the request's name was generated (so a lost answer
        is matched by name alone); ``on_retry`` hears of each retried answer
        (429, 503) or connection error before its pause.
        """
        url = self._url(request.report.slug, "jobs")
        body = request.to_body()
        attempts = self.create_recovery.attempts
        for attempt in range(1, attempts + 1):
            sent_at = datetime.now(timezone.utc)
            try:
                response = self._api("POST", url, json=body, idempotent=False, on_retry=on_retry)
            except TransportError as error:
                if not getattr(error, "request_sent", True):
                    raise
                found = find_created(self.list_jobs, request, self.create_recovery, unique=unique_name, after=sent_at)
                if found is not None:
                    log.info("create answer lost, found job %s in the history", found.id)
                    return found
                if attempt == attempts:
                    raise
                log.info("create answer lost and no such job exists: sending it again")
                continue
            return Job.from_api(response.json(), report=request.report.slug)
        raise AssertionError("unreachable")

    def get_job(self, job_or_id: Job | str, report: str | ReportType | None = None) -> Job:
        """The job's current state (``GET .../jobs/{id}``); a redirect means ``done``."""
        job_id, slug, known = self._identify(job_or_id, report)
        url = self._own(known.self_url if known else None) or self._url(slug, "jobs", job_id)
        response = self._api("GET", url)
        files = self._own(storage_url(response))
        try:
            job = Job.from_api(response.json(), report=slug)
        except ValueError:  # a redirect or 204 without a body
            job = known or Job(id=job_id, report=slug, status=JobStatus.CREATED)
        if files is not None:
            job = job.with_status(JobStatus.DONE, files_url=files)
        return job

    def wait(self, job: Job | str, policy: PollPolicy = DEFAULT_POLL_POLICY, *, report: str | None = None) -> Job:
        """Poll until the job is ``done`` (see :class:`PollPolicy`); the done job.

        Raises :class:`JobFailedError` (failed, canceled, deleted) or
        :class:`JobTimeoutError`, whose message says how to resume.
        """
        return wait_for(lambda: self.get_job(job, report), policy, clock=self._clock, sleep=self._sleep)

    def cancel(self, job: Job | str, report: str | ReportType | None = None) -> Job:
        """Cancel an unfinished job (``DELETE .../jobs/{id}``; legacy API, may 404/405)."""
        job_id, slug, _ = self._identify(job, report)
        try:
            self._api("DELETE", self._url(slug, "jobs", job_id))
        except ForbiddenError as error:
            raise error.with_message(f"job {job_id} cannot be canceled: it has finished. ({error.message})") from None
        return self.get_job(job_id, slug)

    def list_jobs(self, report: str | ReportType, *, max_pages: int | None = None) -> Iterator[Job]:
        """The account's recent jobs of one report type, newest first.

        Unofficial: the Explore API does not document this endpoint (the legacy
        Reporting API had it); it may answer 404 in production (NotFoundError).
        """
        slug = report_type(report).slug
        url: str | None = self._url(slug, "jobs")
        pages = 0
        while url and (max_pages is None or pages < max_pages):
            body = self._api("GET", url).json()
            pages += 1
            items = (body.get("_embedded") or {}).get("jobs") or body.get("executions") or []
            for item in items:
                yield Job.from_api(item, report=slug)
            url = self._own(((body.get("_links") or {}).get("next") or {}).get("href"))

    def download(self, job: Job | str, dest: str | os.PathLike[str] | None = None, *, report: str | None = None) -> Path:
        """Stream the job's file to ``dest`` (a path or a directory) or a temporary file.

        Returns the path. No Authorization header goes to storage; an expired
        signature is replaced by a fresh URL; a truncated body is retried.
        """
        job_id, slug, known = self._identify(job, report)
        if known is None or known.format is None:
            known = self.get_job(job_id, slug)
        files = self._own(known.files_url) or self._url(slug, "files", job_id)
        suffix = SUFFIXES.get(known.format or "", "")
        return download_file(
            self._transport,
            lambda: self._api("GET", files),
            dest,
            default_name=f"{slug}-{job_id}{suffix}",
            attempts=self.download_retry.attempts,
        )

    # -- plumbing --------------------------------------------------------------------------

    def _api(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """An authorized API request; after a 401, a new token and the request again (``TokenRenewal``)."""
        renewals = DEFAULT_TOKEN_RENEWAL.renewals
        for renewal in range(renewals + 1):
            token = self._tokens.get()
            try:
                return self._transport.request(method, url, auth=BearerAuth(token), **kwargs)
            except AuthenticationError as error:
                if renewal == renewals or isinstance(error, ForbiddenError) or error.status != 401:
                    raise
                log.info("401 from %s %s: renewing the token", method, url.split("?")[0])
                self._tokens.invalidate(token)
        raise AssertionError("unreachable")

    def _own(self, url: str | None) -> str | None:
        """``url`` if it is on the API's own origin, else None.

        Links and Locations come from the server; the docs' examples even point at
        a mock host. The bearer token only ever goes to the configured API.
        """
        if not url:
            return None
        mine, theirs = urlsplit(self.settings.base_url), urlsplit(url)
        if (theirs.scheme, theirs.netloc) == (mine.scheme, mine.netloc):
            return url
        log.warning("ignoring a link to another host (%s): the API URL is rebuilt instead", theirs.netloc)
        return None

    def _url(self, slug: str, kind: str, job_id: str | None = None) -> str:
        url = f"{self.settings.base_url}/data/reports/{quote(slug)}/{kind}"
        return url if job_id is None else f"{url}/{quote(job_id)}"

    @staticmethod
    def _identify(job: Job | str, report: str | ReportType | None) -> tuple[str, str, Job | None]:
        if isinstance(job, Job):
            return job.id, job.report, job
        if report is None:
            raise JobError(f"job {job!r}: pass report= (the report type) with a bare job id.")
        return str(job), report_type(report).slug, None


_default: Client | None = None
_default_lock = threading.Lock()


def connect(**options: Any) -> Client:
    """Make a new :class:`Client` this kernel's default; without arguments, from ``EXPLORE_*``
    or the saved profile (``profile="work"``, ``EXPLORE_PROFILE``, else ``default``).

    Keyword arguments are those of :class:`Client`. The previous default client is closed.

    Raises
    ------
    ConfigurationError
        Settings missing or unusable (every missing ``EXPLORE_*`` variable is named at once).

    Examples
    --------
    >>> with Emulator() as emu:                      # doctest: +SKIP
    ...     xp.connect(**emu.credentials)
    >>> xp.connect(profile="work")                   # doctest: +SKIP
    """
    global _default
    client = Client(**options)
    with _default_lock:
        previous, _default = _default, client
    if previous is not None:
        previous.close()
    return client


def set_default_client(client: Client | None) -> Client | None:
    """Make ``client`` (or none) this kernel's default, without closing the one it replaces.

    Returns the replaced client, so that a caller can put it back exactly
    (:func:`explore_pandas.testing.mock_explore` does). ``connect`` is the
    everyday way; this is for code that lends the default out and restores it.
    """
    global _default
    with _default_lock:
        previous, _default = _default, client
    return previous


def get_client() -> Client:
    """This kernel's default client; connects from ``EXPLORE_*`` on first use.

    Raises
    ------
    ConfigurationError
        No default client yet and the ``EXPLORE_*`` variables do not make one.
    """
    with _default_lock:
        client = _default
    return client if client is not None else connect()
