"""The real client against the real emulator, over loopback only.

The ``client`` fixture's sleep advances the emulator's clock instead of
waiting, and its clock is the emulator's, so backoff, polling deadlines and
token renewal follow emulated time at no wall-time cost; pauses are recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from explore_pandas.api.client import Client
from explore_pandas.emulator import Emulator


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0, progression={"polls": 2}) as emulator:
        yield emulator


class Pauses(list):
    """Records each sleep and moves the emulator's clock by it."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__()
        self.emulator = emulator

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.emulator.clock.advance(seconds)


@pytest.fixture
def pauses(emu: Emulator) -> Pauses:
    return Pauses(emu)


@pytest.fixture
def client(emu: Emulator, pauses: Pauses) -> Iterator[Client]:
    with Client(**emu.credentials, sleep=pauses, clock=emu.clock.timestamp, timeout=(5, 10)) as c:
        yield c


def _window(hours: float = 6, *, ago: float = 1) -> dict[str, datetime]:
    end = datetime.now(timezone.utc) - timedelta(hours=ago)
    return {"start": end - timedelta(hours=hours), "end": end}


@pytest.fixture
def window() -> Any:
    """``window(hours, ago=1)``: start/end kwargs of ``hours`` ending ``ago`` hours ago (UTC)."""
    return _window
