"""A picture of every pull: rows per local day (per hour under 2 days), empty days visibly empty.

:func:`volume` counts a frame's rows in bins of its request zone that cover the
whole requested range (from the frame's provenance), so a day without rows is a
bin of 0 and not a missing bar, and marks the bins inside a window that
reached the row limit. :func:`volume_html` draws it as a small inline SVG (the
form's result panel, CSS class ``xp-volume``); :func:`plot_volume` draws the
same with matplotlib (``df.explore.plot_volume()``).

Rows are counted by the report's time column (its timespan field: ``end_at``
for calls), which the chart names. A frame whose ``attrs`` were dropped (by a
merge, a ``groupby``...) gets the same picture: the report is then the one
whose columns it has most of (:func:`~explore_pandas.frames.layouts.layouts_of`).

What is flagged red as a gap (the ``gap`` column):

* per local day, every day without rows: a whole day of an active report
  without one row is a gap in the data, or a window that came back empty;
* per hour, only an empty hour between two hours of at least
  :data:`BUSY_HOUR_ROWS` rows each. Quiet hours (nights, weekends, the hour a
  clock change skips) are empty in a healthy pull, so an empty hour on its own
  is not evidence of a gap; a hole in a busy stretch is.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from explore_pandas.api.validation import local_midnight
from explore_pandas.reports import report_type

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BUSY_HOUR_ROWS", "HOURLY_UNDER", "plot_volume", "volume", "volume_html"]

#: Ranges shorter than this are counted per hour, longer ones per local day.
HOURLY_UNDER = timedelta(days=2)
#: Per hour, an empty hour is a gap only between two hours with at least this many rows each
#: (if rows come at that rate, an hour without one happens by chance less than once in 100).
BUSY_HOUR_ROWS = 5
EMPTY_COLOR, TRUNCATED_COLOR, BAR_COLOR = "#c62828", "#ef6c00", "#1f77b4"


def _time_column(df: pd.DataFrame, meta: dict[str, Any]) -> tuple[pd.Series, str | None, str | None]:
    """The times to count, the column they come from and the report: the report's timespan
    field (``end_at`` for calls), inferred from the columns when ``attrs`` are gone; else the
    time index, else the first timezone-aware column. A report's time column that is not
    timezone-aware is an error, never a reason to count another column."""
    import pandas as pd

    report = meta.get("report") or None
    field = report_type(report).timespan_field if report else None
    if field is None and not report:
        report, field = _infer_report(df)
    if field is not None and field in df.columns:
        times = _aware(df[field])
        if times is None:
            fix = (f"df[{field!r}] = df[{field!r}].dt.tz_localize('UTC')"
                   if pd.api.types.is_datetime64_dtype(df[field].dtype) else
                   f"df[{field!r}] = pd.to_datetime(df[{field!r}], utc=True)")  # text: parse it first
            raise ValueError(f"the {report} report's time column {field!r} is not timezone-aware "
                             f"({df[field].dtype}): rows cannot be placed in local days. Give it its zone, e.g. "
                             f"{fix}, then count again.")
        return _with_older_layouts(df, times, field, report)
    if isinstance(df.index, pd.DatetimeIndex):
        name = str(df.index.name) if df.index.name is not None else None
        return df.index.to_series(), name, report
    for column in df.columns:
        times = _aware(df[column])
        if times is not None:
            return times, str(column), report
    raise ValueError("no time column to count rows by: the frame has no timezone-aware datetime column")


def _with_older_layouts(df: pd.DataFrame, times: pd.Series, field: str,
                        report: str | None) -> tuple[pd.Series, str, str | None]:
    """Rows of another layout of the report (a pull across the calls change of May 2026) have
    their time in that layout's column (``end_time``), and none in ``field``: count them by it."""
    from explore_pandas.frames.layouts import layouts_of

    names = [field]
    for schema in layouts_of(report) if report else []:
        other = schema.timespan_field
        if other and other not in names and other in df.columns:
            older = _aware(df[other])
            if older is not None:
                times = times.fillna(older.dt.tz_convert(times.dt.tz))
                names.append(other)
    return times, "/".join(names), report


def _aware(series: pd.Series) -> pd.Series | None:
    """``series`` as pandas' tz-aware datetimes (Arrow timestamps with a zone converted), or None."""
    import pandas as pd
    import pyarrow as pa

    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return series
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_timestamp(dtype.pyarrow_dtype) and dtype.pyarrow_dtype.tz:
        return series.astype(pd.DatetimeTZDtype("us", dtype.pyarrow_dtype.tz))
    return None


def _infer_report(df: pd.DataFrame) -> tuple[str | None, str | None]:
    """``(report, time column)`` of the report layout whose columns ``df`` has most of, among
    those whose time column ``df`` has; ``(None, None)`` if none."""
    from explore_pandas.frames.layouts import layouts_of
    from explore_pandas.reports import REPORT_TYPES

    names = {str(c) for c in df.columns}
    best: tuple[int, str | None, str | None] = (0, None, None)
    for slug in REPORT_TYPES:
        for schema in layouts_of(slug):
            if schema.timespan_field in names and (known := len(names & set(schema.keys))) > best[0]:
                best = (known, slug, schema.timespan_field)
    return best[1], best[2]


def _edges(start: datetime, end: datetime, zone: ZoneInfo, hourly: bool) -> list[datetime]:
    """Bin edges over [start, end): local midnights (DST-safe), or every hour from the first local hour."""
    edges = [start]
    if hourly:
        step = start.replace(minute=0, second=0, microsecond=0)
        while step <= start:
            step = (step.astimezone(timezone.utc) + timedelta(hours=1)).astimezone(zone)
        while step < end:
            edges.append(step)
            step = (step.astimezone(timezone.utc) + timedelta(hours=1)).astimezone(zone)
    else:
        day = start.date() + timedelta(days=1)
        while (midnight := local_midnight(day, zone)) < end:
            edges.append(midnight)
            day += timedelta(days=1)
    return [*edges, end]


def volume(df: pd.DataFrame) -> pd.DataFrame:
    """Rows per local day (per hour for ranges under 2 days) over the requested range.

    Returns
    -------
    pandas.DataFrame
        One row per bin, indexed by the bin's start (tz-aware, in the request
        zone), with ``rows`` (0 for an empty bin), ``gap`` (an empty bin that
        says rows are missing: every empty day, an empty hour only between two
        busy ones, see the module docstring) and ``truncated`` (the bin lies in
        a window that reached the row limit: rows are missing there).
        ``attrs``: ``volume_freq`` (``"hour"`` or ``"day"``), ``report``,
        ``timezone`` and ``time_column`` (the column counted).
    """
    import numpy as np
    import pandas as pd

    found = df.attrs.get("explore")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    times, column, report = _time_column(df, meta)
    tz = times.dt.tz  # a ZoneInfo, or on pandas 2 a pytz zone (its name is .zone)
    zone = ZoneInfo(str(meta.get("timezone") or getattr(tz, "key", None) or getattr(tz, "zone", None) or "UTC"))
    if meta.get("start") and meta.get("end"):
        start, end = (datetime.fromisoformat(meta[k]).astimezone(zone) for k in ("start", "end"))
    elif times.notna().any():
        start = local_midnight(times.min().tz_convert(zone).date(), zone)
        end = local_midnight(times.max().tz_convert(zone).date() + timedelta(days=1), zone)
    else:
        raise ValueError("no rows and no requested range: nothing to count")
    hourly = end - start < HOURLY_UNDER
    edges = _edges(start, end, zone, hourly)
    edge_ns = pd.DatetimeIndex(edges).tz_convert("UTC").as_unit("ns").asi8
    moments = pd.DatetimeIndex(times.dropna()).tz_convert("UTC").as_unit("ns").asi8
    moments = moments[(moments >= edge_ns[0]) & (moments < edge_ns[-1])]
    counts = np.bincount(np.searchsorted(edge_ns, moments, side="right") - 1, minlength=len(edges) - 1)
    truncated = np.zeros(len(edges) - 1, dtype=bool)
    for window in meta.get("windows") or []:
        if window.get("truncated"):
            lo, hi = (pd.Timestamp(window[k]).tz_convert("UTC").as_unit("ns").value for k in ("start", "end"))
            truncated |= (edge_ns[:-1] < hi) & (edge_ns[1:] > lo)
    index = pd.DatetimeIndex(edges[:-1]).tz_convert(zone)
    index.name = "hour" if hourly else "day"
    rows = counts[: len(edges) - 1].astype("int64")
    frame = pd.DataFrame({"rows": rows, "gap": _gaps(rows, hourly), "truncated": truncated}, index=index)
    frame.attrs = {"volume_freq": "hour" if hourly else "day", "report": report, "timezone": zone.key,
                   "time_column": column}
    return frame


def _gaps(rows: Any, hourly: bool) -> Any:
    """Empty bins that say rows are missing: every empty day; an empty hour between two busy ones."""
    import numpy as np

    empty = rows == 0
    if not hourly:
        return empty
    busy = rows >= BUSY_HOUR_ROWS
    before = np.concatenate([[False], busy[:-1]])
    after = np.concatenate([busy[1:], [False]])
    return empty & before & after


def _label(moment: Any, freq: str) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if freq == "hour" else f"{moment:%Y-%m-%d %a}"


def volume_html(counts: pd.DataFrame, width: int = 640, height: int = 90) -> str:
    """``counts`` (from :func:`volume`) as a small inline SVG bar chart in a ``div.xp-volume-chart``.

    Each bin is a ``rect.xp-volume-bar`` (``data-rows``, a tooltip); a gap
    (the ``gap`` column: an empty day, an empty hour between busy ones) is a red
    ``rect.xp-volume-empty`` mark on the baseline, another empty hour a bar of
    height 0; bins in a truncated window are orange.
    """
    freq = counts.attrs.get("volume_freq", "day")
    n = len(counts)
    peak = int(counts["rows"].max()) if n else 0
    slot = width / max(n, 1)
    bars = []
    for i, (moment, row) in enumerate(counts.iterrows()):
        rows, cut, gap = int(row["rows"]), bool(row["truncated"]), bool(row["gap"])
        tip = html.escape(f"{_label(moment, freq)}: {rows:,} rows" + (" (window hit the row limit)" if cut else ""))
        x = i * slot + slot * 0.1
        if gap:
            bars.append(f"<rect class='xp-volume-bar xp-volume-empty' data-rows='0' x='{x:.1f}' y='{height - 4}' "
                        f"width='{slot * 0.8:.1f}' height='4' fill='{EMPTY_COLOR}'><title>{tip}</title></rect>")
            continue
        h = max(1.0, (height - 6) * rows / peak) if rows else 0.0
        css = "xp-volume-bar xp-volume-truncated" if cut else "xp-volume-bar"
        bars.append(f"<rect class='{css}' data-rows='{rows}' x='{x:.1f}' y='{height - h:.1f}' width='{slot * 0.8:.1f}' "
                    f"height='{h:.1f}' fill='{TRUNCATED_COLOR if cut else BAR_COLOR}'><title>{tip}</title></rect>")
    empty = int(counts["gap"].sum())
    unit = "hour" if freq == "hour" else "local day"
    of = f" of {counts.attrs['time_column']}" if counts.attrs.get("time_column") else ""
    first, last = (_label(counts.index[k], freq) for k in (0, -1)) if n else ("", "")
    note = (f" · <b style='color:{EMPTY_COLOR}'>{empty} empty {unit}{'s' if empty != 1 else ''}</b>" if empty else "")
    if counts["truncated"].any():
        note += f" · <b style='color:{TRUNCATED_COLOR}'>orange: a window hit the row limit</b>"
    return (f"<div class='xp-volume-chart' data-freq='{freq}' data-bins='{n}' style='padding:4px 8px'>"
            f"<div style='font-size:90%'>{html.escape(str(counts.attrs.get('report') or 'rows'))}: rows per "
            f"{unit}{html.escape(of)} ({html.escape(str(counts.attrs.get('timezone', '')))}), "
            f"peak {peak:,}{note}</div>"
            f"<svg width='{width}' height='{height}' viewBox='0 0 {width} {height}' role='img'>"
            f"<line x1='0' y1='{height}' x2='{width}' y2='{height}' stroke='#888'/>{''.join(bars)}</svg>"
            f"<div style='display:flex;justify-content:space-between;width:{width}px;font-size:80%;color:#666'>"
            f"<span>{html.escape(first)}</span><span>{html.escape(last)}</span></div></div>")


def plot_volume(df: pd.DataFrame, ax: Any = None, **bar_options: Any) -> Any:
    """Rows per local day (per hour under 2 days) as a matplotlib bar chart; the ``Axes``.

    Gaps (every empty day; an empty hour only between two busy ones) are
    marked in red on the baseline, bins of a window that hit the row limit are
    orange. ``bar_options`` go to ``Axes.bar`` and override its defaults
    (``color``, ``width``). Needs matplotlib (``pip install 'explore_pandas[plot]'``).
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_volume needs matplotlib: pip install 'explore_pandas[plot]' "
                          "(or pip install matplotlib)") from None
    counts = volume(df)
    freq = counts.attrs["volume_freq"]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3))
    positions = range(len(counts))
    colors = [TRUNCATED_COLOR if cut else BAR_COLOR for cut in counts["truncated"]]
    ax.bar(positions, counts["rows"], **{"color": colors, "width": 0.8, **bar_options})
    empty = [i for i, gap in enumerate(counts["gap"]) if gap]
    if empty:
        ax.scatter(empty, [0] * len(empty), marker="x", color=EMPTY_COLOR, zorder=3, clip_on=False)
    step = max(1, len(counts) // 12)
    ax.set_xticks(list(positions)[::step])
    ticks = counts.index[::step]
    short = [_label(m, freq) if freq == "day" or i == 0 or m.hour == 0 else f"{m:%H:%M}" for i, m in enumerate(ticks)]
    ax.set_xticklabels(short, rotation=45, ha="right", fontsize=8)
    unit = "hour" if freq == "hour" else "local day"
    ax.set_ylabel("rows")
    gaps = f", {len(empty)} empty (red x)" if empty else ""
    cut = ", orange: a window hit the row limit" if counts["truncated"].any() else ""
    of = f" of {counts.attrs['time_column']}" if counts.attrs.get("time_column") else ""
    ax.set_title(f"{counts.attrs.get('report') or 'rows'}: rows per {unit}{of} ({counts.attrs['timezone']}){gaps}{cut}")
    ax.figure.tight_layout()
    return ax
