"""What fetching one window gives: its rows, or the two halves to fetch instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from explore_pandas.frames.provenance import is_truncated, row_limit_message
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

    @property
    def truncated(self) -> bool:
        return is_truncated(len(self.frame), self.total)

    def row_limit_message(self, report: str) -> str:
        window = self.window
        return row_limit_message(report, window.start.isoformat(), window.end.isoformat(), self.job.id,
                                 len(self.frame), self.total)


@dataclass(frozen=True)
class Split:
    """A window that hit the row limit, to be fetched again as two halves."""

    window: Window
    halves: tuple[Window, Window]
    job: Job
