"""What a report frame records of where it came from: ``df.attrs["explore"]``, and the row limit.

Plain JSON types only, so the record survives copies, pickles and Parquet
round trips. Every function that returns report rows (a pull, one job's
file, a file on disk) builds its record and its row-limit warning here, so
they all say the same thing the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from explore_pandas.spec import ROW_LIMIT

__all__ = ["is_truncated", "provenance", "request_record", "row_limit_message", "window_record"]


def is_truncated(rows: int, total: int | None) -> bool:
    """True when a file holds the API's 1,000,000 rows, or fewer rows than its ``total`` says."""
    return rows >= ROW_LIMIT or (total is not None and total > rows)


def row_limit_message(report: str, start: str, end: str, job_id: str | None, rows: int,
                      total: int | None) -> str:
    """The one wording of the row-limit warning and error: which window, how many rows, what to do."""
    origin = f" (job {job_id})" if job_id else ""
    of_total = f" of {total:,}" if total is not None and total > rows else ""
    return (
        f"the {report} report for {start} .. {end}{origin} reached the API's limit of {ROW_LIMIT:,} rows: "
        f"{rows:,} rows received{of_total}, later rows of that window are missing. Pass "
        "on_row_limit='split' to fetch it in smaller windows, or ask for a shorter range."
    )


def request_record(report: str, timezone: str, format: str, start: datetime, end: datetime,
                   on_row_limit: str) -> dict[str, Any]:
    """The part of the record known before any job runs: what was asked for."""
    return {"report": report, "timezone": timezone, "format": format, "start": start.isoformat(),
            "end": end.isoformat(), "on_row_limit": on_row_limit}


def window_record(start: datetime, end: datetime, job_id: str | None, rows: int, total: int | None,
                  reused: bool) -> dict[str, Any]:
    """One window of a pull: its bounds, its job, its rows and whether any are missing."""
    return {"start": start.isoformat(), "end": end.isoformat(), "job_id": job_id, "rows": rows,
            "total": total, "truncated": is_truncated(rows, total), "reused": reused}


def provenance(request: dict[str, Any], windows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``df.attrs["explore"]``: the request, its windows in time order, and their totals."""
    windows = list(windows)
    return {
        **request,
        "jobs": [w["job_id"] for w in windows],
        "windows": windows,
        "rows": sum(w["rows"] for w in windows),
        "truncated": any(w["truncated"] for w in windows),
    }
