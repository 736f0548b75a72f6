"""Every layout a report has been published in, and which one a file is in.

Talkdesk has changed some reports' payloads under the same ``{type}`` slug
(``explore-api.md`` section 8.2: the ``calls`` payload of 11 May 2026; the legacy Reporting
API's ``user_status`` before the Explore one). A client must read both generations under
one slug, so each report has one or more layouts (a `schemas.ReportSchema` each, the
current one first) and a file is typed with the layout whose columns it matches best.

========================  ==========  =============================================  ========
report                    layout      what it is                                     where
========================  ==========  =============================================  ========
calls                     v1          payload from 11 May 2026 (``call_id``, ISO     8.2, 8.3
                                      ``Z`` datetimes, integer seconds)
calls                     pre2026     Explore-UI payload before it (``interaction_   8.2, 8.3
                                      id``, day fractions, TRUE/FALSE, keys ``?``)
user_status               explore     the Explore API's (with ``ring_groups``)       8.3
user_status               reporting   the legacy Reporting API's (no ``ring_groups``) 12
every other report        its only    as in section 8.3                              8.3
========================  ==========  =============================================  ========
"""

from __future__ import annotations

from collections.abc import Sequence

from explore_pandas.frames.schemas import (
    CALLS_PRE2026,
    REGISTRY,
    USER_STATUS_REPORTING,
    ReportSchema,
    get_schema,
)

__all__ = ["LAYOUTS", "ambiguous_layouts", "layouts_of", "match_layout", "time_column"]

#: The layouts of each report with more than one, the current (default) layout first.
LAYOUTS: dict[str, tuple[ReportSchema, ...]] = {
    "calls": (REGISTRY["calls"], CALLS_PRE2026),
    "user_status": (REGISTRY["user_status"], USER_STATUS_REPORTING),
}


def layouts_of(report: str) -> tuple[ReportSchema, ...]:
    """The layouts of a report slug, the current one first (one for most reports)."""
    return LAYOUTS.get(report) or (get_schema(report),)


def time_column(report: str, layout: str | None = None) -> str | None:
    """The column the API's timespan filters on, in the given layout of ``report`` (its
    current one by default, or when ``layout`` is not one of its): ``end_at`` for calls v1,
    ``end_time`` for calls pre2026."""
    candidates = layouts_of(report)
    return next((s for s in candidates if s.layout == layout), candidates[0]).timespan_field


def _score(schema: ReportSchema, names: Sequence[str], labels: bool) -> tuple[int, bool]:
    keys = {schema.key_for_label(name) if labels else name for name in names}
    known = sum(key in schema.by_key for key in keys)
    complete = known > 0 and all(c.optional or c.key in keys for c in schema.columns)
    return known - (len(keys) - known), complete


def match_layout(report: str, names: Sequence[str], *, labels: bool = False) -> ReportSchema:
    """The layout of ``report`` whose columns fit ``names`` best.

    ``names`` are a file's JSON keys, or its CSV header when ``labels`` is true. A layout
    scores one point per name it knows and loses one per name it does not know; a tie goes
    to the layout that has every one of its required columns in the file, if only one
    does, else (names that several layouts know alike, or none) to the current layout: a file
    whose columns do not tell is read as the current layout, never as an older one (see
    `ambiguous_layouts`, which says when that was a guess).

    Examples
    --------
    >>> match_layout("calls", ["interaction_id", "call_type", "talk_time"]).layout
    'pre2026'
    >>> match_layout("calls", ["Call Id", "Type", "Talk Time"], labels=True).layout
    'v1'
    >>> match_layout("calls", ["Talk Time", "Csat Score"], labels=True).layout
    'v1'
    """
    candidates = layouts_of(report)
    if len(candidates) == 1 or not names:
        return candidates[0]
    return _best(candidates, [_score(schema, names, labels) for schema in candidates])[0]


def _best(candidates: Sequence[ReportSchema], scores: list[tuple[int, bool]]
          ) -> tuple[ReportSchema, list[str]]:
    """The chosen layout, and the tied layouts when the choice was a guess."""
    top = max(score for score, _ in scores)
    tied = [(s, complete) for s, (score, complete) in zip(candidates, scores) if score == top]
    complete = [s for s, whole in tied if whole]
    if len(complete) == 1:
        return complete[0], []
    # The first of equal scores is the current layout.
    return tied[0][0], [s.layout for s, _ in tied] if len(tied) > 1 else []


def ambiguous_layouts(report: str, keys: Sequence[str]) -> list[str]:
    """The layouts that fit a file's JSON ``keys`` as well as the one chosen, when more than
    one does and they type one of its columns differently (the choice, the current layout,
    was then a guess that changes values); else ``[]``."""
    candidates = layouts_of(report)
    if len(candidates) == 1 or not keys:
        return []
    tied = _best(candidates, [_score(schema, keys, False) for schema in candidates])[1]
    chosen = [s for s in candidates if s.layout in tied]
    # A guess matters only when the layouts type one of the file's columns differently.
    differ = any(len({s.by_key[k].kind for s in chosen if k in s.by_key}) > 1 for k in keys)
    return tied if differ else []
