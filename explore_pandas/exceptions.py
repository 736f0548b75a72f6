"""The error tree and the warnings of explore_pandas, nothing else.

One root, :class:`ExploreError`. Every exception keeps its structured fields
(``fields``, ``status``, ``request_id``...) and pickles, so that errors raised in
worker threads or processes arrive intact. Messages never contain secrets.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "DataLatencyWarning",
    "ExploreError",
    "ExploreWarning",
    "ForbiddenError",
    "JobError",
    "JobFailedError",
    "JobTimeoutError",
    "NotFoundError",
    "NotFromExploreError",
    "ParseError",
    "RateLimitError",
    "RowLimitError",
    "RowLimitWarning",
    "SchemaDriftWarning",
    "ServerError",
    "TransportError",
    "ValidationError",
]


class ExploreError(Exception):
    """Root of every error raised by explore_pandas.

    Subclasses store their keyword arguments in ``_state`` so that ``pickle``
    rebuilds them with the same fields (exceptions with keyword-only
    constructors do not pickle by default).
    """

    def __init__(self, message: str = "", **state: Any) -> None:
        super().__init__(message)
        self.message = message
        self._state = state
        for key, value in state.items():
            setattr(self, key, value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self._state))

    def with_message(self, message: str, cls: type[ExploreError] | None = None) -> ExploreError:
        """The same error (or ``cls``, e.g. a subclass) with every field kept and a new message."""
        return _rebuild(cls or type(self), message, self._state)


def _rebuild(cls: type[ExploreError], message: str, state: dict[str, Any]) -> ExploreError:
    error = cls.__new__(cls)
    ExploreError.__init__(error, message, **state)
    return error


class ConfigurationError(ExploreError, ValueError):
    """A missing, malformed or contradictory setting (argument or ``EXPLORE_*`` variable)."""


class ValidationError(ExploreError, ValueError):
    """A report request that the API would refuse, caught before any request is sent.

    ``fields`` has the shape of the API's 400 body: ``[{"name": ..., "description": ...}]``.
    """

    def __init__(self, message: str, *, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(message, fields=list(fields or []))


class TransportError(ExploreError):
    """The request could not be completed: connection refused or dropped, timeout, TLS."""


class APIError(ExploreError):
    """An error response of the Explore API (or its token server).

    Carries the HTTP ``status``, the documented error body (``code``,
    ``description``, ``message``, ``fields``) and ``request_id``, the
    ``platform-tid`` header to quote to Talkdesk support.
    """

    # Set by ExploreError.__init__ (setattr); declared here for type checkers only.
    status: int | None
    code: str | None
    description: str | None
    fields: list[dict[str, str]]
    request_id: str | None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        description: str | None = None,
        fields: list[dict[str, str]] | None = None,
        request_id: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(
            message,
            status=status,
            code=code,
            description=description,
            fields=list(fields or []),
            request_id=request_id,
            **extra,
        )

    def __str__(self) -> str:
        text = self.message
        if self.request_id:
            text = f"{text} (platform-tid: {self.request_id})"
        return text


class AuthenticationError(APIError):
    """401: missing, invalid, expired or revoked credentials or token."""


class ForbiddenError(AuthenticationError):
    """403: the credentials lack the scope the operation needs, or the operation is refused."""


class NotFoundError(APIError):
    """404: unknown report type, job or file."""


class RateLimitError(APIError):
    """429: the account's quota of 15 simultaneous report jobs is used up.

    ``retry_after`` is the server's ``Retry-After`` in seconds, when it sent one.
    """


class ServerError(APIError):
    """5xx: the service failed ("unable to audit operation" is a 503)."""


class JobError(ExploreError):
    """A report job did not produce a file. ``job`` is the job as last seen."""


class JobFailedError(JobError):
    """The job ended ``failed``, ``canceled`` or ``deleted``."""


class JobTimeoutError(JobError, TimeoutError):
    """Waiting for a job took longer than the poll policy allows; the job may still finish."""


class RowLimitError(ExploreError):
    """A window reached the API's limit of 1,000,000 rows and ``on_row_limit="raise"``.

    ``window`` is ``{"start", "end"}`` (ISO strings), ``rows`` what the file held.
    """


class NotFromExploreError(ExploreError, AttributeError):
    """A provenance member of ``df.explore`` was used on a frame that did not come from Explore.

    An :class:`AttributeError`, as pandas asks of accessors on unsuitable data
    (so ``getattr(df.explore, "jobs", None)`` works), and an :class:`ExploreError`.
    """


class ParseError(ExploreError):
    """A downloaded report file could not be read."""


class ExploreWarning(UserWarning):
    """Root of the warnings of explore_pandas."""


class RowLimitWarning(ExploreWarning):
    """A report reached the API's limit of 1,000,000 rows: rows are missing."""


class DataLatencyWarning(ExploreWarning):
    """The requested end is within the API's data latency: the last minutes may be incomplete."""


class SchemaDriftWarning(ExploreWarning):
    """A report file has columns the schema registry does not expect, or lacks expected ones."""
