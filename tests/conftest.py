"""Shared by every test: nothing leaves loopback, and nothing writes to the user's cache."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Any

import pytest


class Connections(list):
    """Every (host, port) a socket of the test tried to connect to."""


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> Connections:
    """No test touches the internet: a connection to anything but loopback fails the test."""
    seen = Connections()
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            seen.append((address[0], address[1]))
            host = address[0]
            if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
                raise AssertionError(f"tests must not leave loopback ({host})")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return seen


@pytest.fixture(autouse=True)
def ledger_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The job ledger lives in EXPLORE_CACHE_DIR: each test gets its own, empty."""
    folder = tmp_path_factory.mktemp("explore-cache")
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(folder))
    return folder
