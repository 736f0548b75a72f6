"""Requests and answers as the HTTP layer hands them to the endpoint functions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]  # case-insensitive (http.client.HTTPMessage)
    body: bytes = b""

    def form(self) -> dict[str, str]:
        """Query string and urlencoded body merged (the body wins), first values only."""
        merged = dict(self.query)
        if self.body:
            parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            merged.update({key: values[0] for key, values in parsed.items()})
        return merged

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    file: Path | None = None  # streamed from disk instead of ``body``


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(payload).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json", **(headers or {})})
