"""The API's row limit, seen from a report file: when a file holds only part of its rows.

One rule and one message for every function that returns report rows: ``read_file`` here,
and the pulls' windows (``pulls.plan``), which call the same functions.
"""

from __future__ import annotations

import inspect
import os
import warnings

from explore_pandas.exceptions import RowLimitWarning
from explore_pandas.spec import ROW_LIMIT

__all__ = ["ON_ROW_LIMIT", "row_limit_message", "row_limit_reached", "user_stacklevel", "warn_row_limit"]

#: What a pull may do with a window at the limit: warn (rows missing), split it and fetch again, raise.
ON_ROW_LIMIT = ("warn", "split", "raise")


def row_limit_reached(rows: int, total: int | None = None) -> bool:
    """Whether a file of ``rows`` rows (and a json ``total``) may be missing rows.

    True at the API's limit of 1,000,000 rows (section 6: the file is cut there), or when
    the file's ``total`` counts more rows than it holds.
    """
    return rows >= ROW_LIMIT or (total is not None and total > rows)


def row_limit_message(report: str, rows: int, total: int | None, *, where: str,
                      advice: str, local: bool = False) -> str:
    """The warning's text: what reached the limit, what was received, what to do.

    ``where`` says which rows (``"in calls.csv"``, ``"for 2026-08-01 .. 2026-09-01 (job
    ...)"``), ``advice`` what to do about it. ``local``: a file on disk (``read_file``), which
    below 1,000,000 rows is short of its ``total`` for another reason than the API's limit
    (a job's file, where the API may cut at a lower limit, says so).
    """
    received = f"{rows:,} row{'' if rows == 1 else 's'} received"
    if total is not None and total > rows:
        received += f" of {total:,}"
    if rows < ROW_LIMIT and total is not None:  # short of its own total, below the documented limit
        why = "" if local else " (the API cut it at a row limit below the documented 1,000,000)"
        return (f"the {report} report {where} holds fewer rows than its total{why}: {received}, "
                f"later rows are missing. {advice}")
    return (
        f"the {report} report {where} reached the API's limit of {ROW_LIMIT:,} rows: "
        f"{received}, later rows are missing. {advice}"
    )


def warn_row_limit(report: str, rows: int, total: int | None, *, where: str, advice: str,
                   stacklevel: int = 2, local: bool = False) -> bool:
    """Warn (`RowLimitWarning`) when `row_limit_reached`; return whether it did."""
    if not row_limit_reached(rows, total):
        return False
    warnings.warn(row_limit_message(report, rows, total, where=where, advice=advice, local=local),
                  RowLimitWarning, stacklevel=stacklevel + 1)
    return True


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` for a warning raised by the caller of this function that points at
    the first frame outside explore_pandas: the user's line, however deep the library's call."""
    frame = inspect.currentframe()
    frame = frame.f_back if frame is not None else None  # the function that warns: level 1
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level
