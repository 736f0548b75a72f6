"""The Explore API's documented limits, owned here and nowhere else.

Each figure comes from Talkdesk's reference (``shared/explore-api.md``, the
section given). The client's layers import them from here; the emulator keeps
its own copies on purpose, so that a wrong figure here is caught by tests
against it rather than repeated by it.
"""

from __future__ import annotations

from datetime import timedelta

__all__ = ["ACCOUNT_QUOTA", "DATA_LATENCY", "FILE_RETENTION", "FORMATS", "MAX_SPAN", "ROW_LIMIT"]

#: Report file formats (section 4).
FORMATS = ("csv", "json", "json_bulk")
#: ``to - from`` may not exceed 31 days, measured in absolute time (744 hours),
#: so a 31-local-day window across a DST fall-back (745 h) is refused too (section 5).
MAX_SPAN = timedelta(hours=31 * 24)
#: The API's data may lag real time by up to 5 minutes (section 6).
DATA_LATENCY = timedelta(minutes=5)
#: Rows in one report file at most (the reference page, ``reference/create-report-job.txt``).
ROW_LIMIT = 1_000_000
#: Simultaneous report jobs per account, executing and enqueued; a 429 beyond (section 7).
ACCOUNT_QUOTA = 15
#: How long the API keeps a finished report's file (section 7).
FILE_RETENTION = timedelta(days=30)
