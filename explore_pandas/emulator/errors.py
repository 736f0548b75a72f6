"""Error answers of the emulated services, in their wire shapes."""

from __future__ import annotations

from typing import Any


class ApiFailure(Exception):
    """An error answer of the Explore API: status plus the documented error body.

    Body keys follow the reference page: ``code``, ``description``, ``message``
    and ``fields`` (a list of ``{"name", "description"}``). The ``code``
    strings are the emulator's own; the real ones are not documented.
    """

    def __init__(
        self,
        status: int,
        code: str,
        description: str,
        *,
        message: str | None = None,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.headers = dict(headers or {})
        self.body: dict[str, Any] = {
            "code": code,
            "message": message or description,
            "description": description,
            "fields": list(fields or []),
        }


def field_error(name: str, description: str, *, code: str = "invalid_request") -> ApiFailure:
    """A 400 that names one request field, as the API's ``fields`` list does."""
    return ApiFailure(
        400,
        code,
        f"Invalid report request: {description}",
        message="Bad request",
        fields=[{"name": name, "description": description}],
    )


class OAuthFailure(Exception):
    """An error answer of the token endpoint: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.body = {"error": error, "error_description": description}
        self.headers = {"WWW-Authenticate": 'Basic realm="talkdeskid"'} if status == 401 else {}
