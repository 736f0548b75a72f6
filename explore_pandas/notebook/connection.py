"""``connect_or_emulator``: the "which connection" step of every notebook, in one call.

With any ``EXPLORE_*`` variable set it connects to that account (and a partial
set stops with a message naming every missing variable: it never falls back to
the emulator silently); with none set it starts the embedded emulator and
connects to it. Either way the client becomes the kernel's default, and one
line says which it is.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from explore_pandas.api.client import connect
from explore_pandas.api.config import ENV_NAMES

if TYPE_CHECKING:
    from explore_pandas.api.client import Client
    from explore_pandas.emulator import Emulator

__all__ = ["Connection", "connect_or_emulator"]


class Connection(NamedTuple):
    """The kernel's client, and the emulator it talks to (None for an account)."""

    client: Client
    emulator: Emulator | None

    def close(self) -> None:
        """Stop the emulator if this connection started one; an account needs nothing."""
        if self.emulator is not None:
            self.emulator.close()


def connect_or_emulator(*, out: TextIO | None = None, **emulator_options: Any) -> Connection:
    """Your account from ``EXPLORE_*`` when any is set, else the embedded emulator; the kernel's default client.

    ``emulator_options`` go to :class:`~explore_pandas.emulator.Emulator` (``seed``,
    ``progression``, ``rates``...) and are ignored for an account.

    Examples
    --------
    >>> client, emu = xp.connect_or_emulator(seed=7)                 # doctest: +SKIP
    No EXPLORE_* variables set: using the embedded emulator at http://127.0.0.1:... (offline, synthetic data).
    >>> ...
    >>> if emu is not None:                                          # doctest: +SKIP
    ...     emu.close()
    """
    out = out or sys.stdout
    if any(os.environ.get(name, "").strip() for name in ENV_NAMES.values()):
        client = connect()  # from the EXPLORE_* variables
        where = client.settings.account or client.settings.base_url
        print(f"Using your Talkdesk account {where} (region {client.settings.region}) from EXPLORE_*.", file=out)
        return Connection(client, None)
    from explore_pandas.emulator import Emulator

    emulator = Emulator(**emulator_options).start()
    client = connect(**emulator.credentials)
    print(f"No EXPLORE_* variables set: using the embedded emulator at {emulator.base_url} "
          "(offline, synthetic data).", file=out)
    return Connection(client, emulator)
