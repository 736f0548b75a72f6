"""A closed emulator answers nothing; no URL signature in any log (issue 13, points 11 and 12)."""

from __future__ import annotations

import logging
import re

import pytest

import explore_pandas as xp
from explore_pandas.emulator import Emulator
from explore_pandas.exceptions import TransportError

SIGNED = re.compile(r"X-Amz-Signature=(?!<redacted>)", re.IGNORECASE)


def test_after_close_a_kept_alive_connection_gets_no_answer() -> None:
    emu = Emulator(progression="immediate").start()
    client = xp.Client(**emu.credentials, max_retries=1)
    try:
        xp.read_report("calls", start="2026-11-01", end="2026-11-02", client=client, progress=False, ledger=False)
        jobs = len(emu.jobs())
        emu.close()
        with pytest.raises(TransportError, match="no answer to POST"):
            xp.read_report("calls", start="2026-11-03", end="2026-11-04", client=client, progress=False,
                           ledger=False)
        assert len(emu.jobs()) == jobs  # nothing was created on the closed emulator
    finally:
        client.close()
        emu.close()


def test_no_log_record_holds_a_url_signature(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: the library's, urllib3's, the emulator's
    with Emulator(progression="immediate") as emu, xp.Client(**emu.credentials) as client:
        xp.read_report("calls", start="2026-11-01", end="2026-11-02", client=client, progress=False, ledger=False)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "/_storage/" in text and "X-Amz-Signature=<redacted>" in text  # the downloads were logged
    assert not SIGNED.search(text)
    names = {record.name for record in caplog.records}
    assert {"urllib3.connectionpool", "explore_pandas.emulator.server"} <= names
