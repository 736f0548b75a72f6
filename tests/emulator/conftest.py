"""Fixtures for driving the emulator with plain ``requests`` over loopback (no mocks).

- ``emu``: a running :class:`Emulator` (one per test module, ``seed=SEED``,
  ``progression="immediate"``), reset before each test, its clock back on real time.
- ``http``: a ``requests.Session`` closed after the test; it opens a new connection per
  request, because answers on a reused keep-alive connection take ~40 ms each
  (see test_http_server.py::test_keep_alive_answers_are_not_delayed).
- ``token``: ``token(scope=None, client=None)`` returns a fresh access token.
- ``api``: an :class:`~emulator_support.Api` helper (create a job, read it, download its
  file), every answer already read and its connection released.

Helpers (``assert_api_error``, ``window``, ``iso``...) live in ``emulator_support.py``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Iterator

import pytest
import requests
from emulator_support import SEED, Api, OneConnectionPerRequest

from explore_pandas.emulator import Emulator


@pytest.fixture(scope="module")
def emulator_server() -> Iterator[Emulator]:
    with Emulator(seed=SEED, progression="immediate") as emu:
        yield emu


@pytest.fixture
def emu(emulator_server: Emulator) -> Iterator[Emulator]:
    """The module's emulator, reset, with its clock back on real time."""
    emulator_server.reset()
    emulator_server.clock.set(datetime.now(timezone.utc))
    yield emulator_server
    emulator_server.reset()
    emulator_server.clock.set(datetime.now(timezone.utc))


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with OneConnectionPerRequest() as session:
        yield session


@pytest.fixture
def token(emu: Emulator, http: requests.Session) -> Callable[..., str]:
    """``token(scope=None, client=(id, secret))``: a fresh access token from the token endpoint."""

    def get(scope: str | None = None, client: tuple[str, str] | None = None) -> str:
        data = {"grant_type": "client_credentials"}
        if scope is not None:
            data["scope"] = scope
        response = http.post(emu.token_url, data=data, auth=client or (emu.client_id, emu.client_secret))
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    return get


@pytest.fixture
def api(emu: Emulator, http: requests.Session, token: Callable[..., str]) -> Api:
    return Api(emu, http, token)
