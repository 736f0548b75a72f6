"""Shared by every test: nothing leaves loopback, nothing writes to the user's cache, and no
saved profile of the user's (``explore-pandas login``) is read."""

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


@pytest.fixture(autouse=True)
def no_saved_profiles(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Profiles live in the user's config folder (platformdirs honours XDG_CONFIG_HOME on Linux):
    each test sees an empty one, so a connection never picks up the user's ``default`` profile."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.delenv("EXPLORE_PROFILE", raising=False)
