"""Shared by every test: nothing leaves loopback, and nothing writes to the user's cache."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # The job ledger lives in EXPLORE_CACHE_DIR: each test gets its own, empty.
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path_factory.mktemp("explore-cache")))
