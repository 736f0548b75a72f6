"""What a report frame records of where it came from: ``df.attrs["explore"]``, and the row limit.

Plain JSON types only, so the record survives copies, pickles and Parquet
round trips. Every function that returns rows of the API's jobs (a pull, one job's
file) builds its record here; the row-limit rule and its wording are
:mod:`explore_pandas.frames.limits`'.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from explore_pandas.frames.combine import combined_layout
from explore_pandas.frames.limits import row_limit_reached

__all__ = ["PULL_ADVICE", "provenance", "request_record", "window_record", "window_where"]


#: What a pull's row-limit warning and error advise.
PULL_ADVICE = "Pass on_row_limit='split' to fetch it in smaller windows, or ask for a shorter range."


def window_where(start: datetime, end: datetime, job_id: str | None) -> str:
    """Which rows a window's row-limit message is about: its bounds and its job."""
    return f"for {start.isoformat()} .. {end.isoformat()}" + (f" (job {job_id})" if job_id else "")


def request_record(report: str, timezone: str, format: str, start: datetime, end: datetime,
                   on_row_limit: str) -> dict[str, Any]:
    """The part of the record known before any job runs: what was asked for."""
    return {"report": report, "timezone": timezone, "format": format, "start": start.isoformat(),
            "end": end.isoformat(), "on_row_limit": on_row_limit}


def window_record(start: datetime, end: datetime, job_id: str | None, rows: int, total: int | None,
                  reused: bool, layout: str | None = None, cached: bool = False) -> dict[str, Any]:
    """One window of a pull: its bounds, its job, its rows, whether any are missing, the file's layout,
    and whether its rows came from the cache of parsed windows (no request sent)."""
    return {"start": start.isoformat(), "end": end.isoformat(), "job_id": job_id, "rows": rows,
            "total": total, "truncated": row_limit_reached(rows, total), "reused": reused, "layout": layout,
            "cached": cached}


def provenance(request: dict[str, Any], windows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``df.attrs["explore"]``: the request, its windows in time order, and their totals."""
    windows = list(windows)
    return {
        **request,
        # "pre2026+v1" when the windows' files differ; None when no window says
        "layout": combined_layout([w.get("layout") for w in windows], [w.get("rows") for w in windows]),
        "jobs": [w["job_id"] for w in windows],
        "windows": windows,
        "rows": sum(w["rows"] for w in windows),
        "truncated": any(w["truncated"] for w in windows),
        "cached": [w["start"] for w in windows if w.get("cached")],
    }
