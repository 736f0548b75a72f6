"""What fetching one window gives: its rows, or the two halves to fetch instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from explore_pandas.frames.limits import row_limit_message, row_limit_reached
from explore_pandas.frames.provenance import PULL_ADVICE, window_where
from explore_pandas.pulls.windows import Window

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.models import Job

__all__ = ["Split", "WindowResult"]


@dataclass(frozen=True)
class WindowResult:
    """A fetched window: its job, its typed frame, and the file's ``total`` when it gave one."""

    window: Window
    job: Job
    frame: pd.DataFrame
    total: int | None
    reused: bool = False  # the job came from the ledger, not a new create
    layout: str | None = None  # which published layout the file had (frames.layouts)
    rows: int | None = None  # set when ``frame`` no longer holds the rows (written elsewhere)
    created_at: datetime | None = None  # when the job was created, at the latest (None: unknown)

    @property
    def row_count(self) -> int:
        """The rows the window's file held."""
        return len(self.frame) if self.rows is None else self.rows
    cached: bool = False  # read from the cache of parsed windows: no request was sent

    @property
    def truncated(self) -> bool:
        return row_limit_reached(self.row_count, self.total)

    def row_limit_message(self, report: str) -> str:
        where = window_where(self.window.start, self.window.end, self.job.id)
        return row_limit_message(report, self.row_count, self.total, where=where, advice=PULL_ADVICE)


@dataclass(frozen=True)
class Split:
    """A window that hit the row limit, to be fetched again as two halves."""

    window: Window
    halves: tuple[Window, Window]
    job: Job | None  # None: split from the ledger's record, without asking for the job again
