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

__all__ = ["LAYOUTS", "layouts_of", "match_layout"]

#: The layouts of each report with more than one, the current (default) layout first.
LAYOUTS: dict[str, tuple[ReportSchema, ...]] = {
    "calls": (REGISTRY["calls"], CALLS_PRE2026),
    "user_status": (REGISTRY["user_status"], USER_STATUS_REPORTING),
}


def layouts_of(report: str) -> tuple[ReportSchema, ...]:
    """The layouts of a report slug, the current one first (one for most reports)."""
    return LAYOUTS.get(report) or (get_schema(report),)


def _score(schema: ReportSchema, names: Sequence[str], labels: bool) -> tuple[int, int]:
    keys = {schema.key_for_label(name) if labels else name for name in names}
    known = sum(key in schema.by_key for key in keys)
    missing = sum(1 for c in schema.columns if not c.optional and c.key not in keys)
    return known - (len(keys) - known), -missing if known else 0


def match_layout(report: str, names: Sequence[str], *, labels: bool = False) -> ReportSchema:
    """The layout of ``report`` whose columns fit ``names`` best.

    ``names`` are a file's JSON keys, or its CSV header when ``labels`` is true. A layout
    scores one point per name it knows and loses one per name it does not know; a tie goes
    to the layout with fewer required columns missing, then (as when no name is known) to
    the current layout.

    Examples
    --------
    >>> match_layout("calls", ["interaction_id", "call_type", "talk_time"]).layout
    'pre2026'
    >>> match_layout("calls", ["Call Id", "Type", "Talk Time"], labels=True).layout
    'v1'
    """
    candidates = layouts_of(report)
    if len(candidates) == 1 or not names:
        return candidates[0]
    return max(candidates, key=lambda schema: _score(schema, names, labels))
