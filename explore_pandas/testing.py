"""Helpers for testing your own code against the embedded emulator.

:func:`mock_explore` starts an :class:`~explore_pandas.Emulator` and makes it the
kernel's default Explore API, as moto's ``mock_aws`` does for AWS. In pytest, the
``explore_emulator`` fixture (the plugin installed with this package) gives a
started emulator without the default-client part.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

from explore_pandas.api.client import Client, set_default_client
from explore_pandas.api.config import CACHE_DIR_ENV, ENV_NAMES, PROFILE_ENV
from explore_pandas.emulator import Emulator

__all__ = ["DEFAULT_EMULATOR_OPTIONS", "emulator_environment", "mock_explore"]

#: What :func:`mock_explore` and the ``explore_emulator`` fixture change from the
#: emulator's own defaults: jobs are done at once, so tests do not wait.
DEFAULT_EMULATOR_OPTIONS: Mapping[str, Any] = MappingProxyType({"progression": "immediate"})


@contextmanager
def mock_explore(**emulator_options: Any) -> Iterator[Emulator]:
    """Run the code inside against a fresh emulator, through the default client.

    Starts an :class:`~explore_pandas.Emulator`, connects the default client to it
    (what :func:`~explore_pandas.read_report`, the accessor and the form use), yields
    the emulator, and on exit stops it and puts back the default client of before, the
    same object, or none (the next use then connects from ``EXPLORE_*`` as usual).

    Inside the block the ``EXPLORE_*`` variables point at the emulator too (those of
    an account are unset), so code that calls :func:`~explore_pandas.connect` or
    ``Client.from_env()`` itself reaches the emulator, never a real account; and the
    job ledger (``EXPLORE_CACHE_DIR``) is a temporary folder, so the emulator's jobs
    never land in your own. With ``tls=True`` the lent client trusts the emulator's
    certificate; a client you make yourself needs ``verify=emu.ca_file``.

    Parameters
    ----------
    **emulator_options
        Keyword arguments of :class:`~explore_pandas.Emulator`: ``seed``, ``now``,
        ``tls`` and every emulator setting (``progression``, ``row_limit``, ``quota``,
        ``rates``...). Jobs are done at once (``progression="immediate"``) unless
        ``progression`` says otherwise.

    Yields
    ------
    Emulator
        The started emulator: inject faults, move its clock, read its ground truth.

    Examples
    --------
    >>> import explore_pandas as xp
    >>> from explore_pandas.testing import mock_explore
    >>> with mock_explore(seed=3) as emu:
    ...     df = xp.read_report("calls", start="2026-01-01", end="2026-01-02", progress=False)
    ...     emu.stats()["jobs_created"]
    1
    """
    with Emulator(**{**DEFAULT_EMULATOR_OPTIONS, **emulator_options}) as emulator, \
            tempfile.TemporaryDirectory(prefix="explore-mock-cache-") as cache, \
            _environment(emulator_environment(emulator, cache)):
        lent = Client(**emulator.credentials, verify=emulator.ca_file or True)
        previous = set_default_client(lent)
        try:
            yield emulator
        finally:
            set_default_client(previous)  # exactly the client (or none) of before, never closed
            lent.close()


def emulator_environment(emulator: Emulator, cache: str) -> dict[str, str | None]:
    """The ``EXPLORE_*`` variables that point at ``emulator`` (None: unset), and a ledger of its own."""
    names = dict(ENV_NAMES)
    values: dict[str, str | None] = {name: None for name in names.values()}
    values.update({names[key]: str(value) for key, value in emulator.credentials.items() if key in names})
    values[CACHE_DIR_ENV] = cache
    values[PROFILE_ENV] = None
    return values


@contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _set(name, value)
        yield
    finally:
        for name, value in before.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
