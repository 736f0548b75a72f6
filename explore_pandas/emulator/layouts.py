"""The other layouts some reports have been published in, for the emulator to serve.

The catalogue (`catalog.REPORTS`) holds each report's current layout. Two reports were
published in another one under the same slug (``explore-api.md`` section 8.2, section 12):

* ``calls`` before 11 May 2026 (``"pre2026"``): the Explore-UI payload of the docs'
  "current" sample, the same columns as ``explore_calls`` (``interaction_id``, naive
  datetimes, day-fraction durations, ``TRUE``/``FALSE`` and ``Yes``/``No``, keys ending in
  ``?``), and a ``json`` envelope without ``type``/``version`` as in that sample;
* ``user_status`` of the legacy Reporting API (``"reporting"``): no ``ring_groups``.

``Emulator(layouts={"calls": "pre2026"})`` serves one of them (see `options.Options`).
"""

from __future__ import annotations

from dataclasses import replace

from explore_pandas.emulator.catalog import CALLS, EXPLORE_CALLS, USER_STATUS, ReportSpec

__all__ = ["LAYOUTS", "spec_for"]

CALLS_PRE2026 = replace(EXPLORE_CALLS, slug="calls", display_name="Calls", json_header={},
                        default_rate=CALLS.default_rate, model_view="explore_calls")
USER_STATUS_REPORTING = replace(
    USER_STATUS, columns=tuple(c for c in USER_STATUS.columns if c.key != "ring_groups"))

#: Layout names of each report with more than one, the current (catalogue) layout first.
LAYOUTS: dict[str, dict[str, ReportSpec]] = {
    "calls": {"v1": CALLS, "pre2026": CALLS_PRE2026},
    "user_status": {"explore": USER_STATUS, "reporting": USER_STATUS_REPORTING},
}


def spec_for(slug: str, layout: str | None) -> ReportSpec | None:
    """The spec of ``slug`` in ``layout`` (``None``: the current one); None if unknown."""
    if layout is None:
        return None
    return LAYOUTS.get(slug, {}).get(layout)
