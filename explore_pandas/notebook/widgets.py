"""``ReportForm``: pick a report, a zone and a range, watch the jobs run, get a DataFrame.

The form is composed ipywidgets (a ``VBox``). Its handlers (``_on_*``) are
thin: the work is in the plain functions of :mod:`explore_pandas.notebook.formview`
(``check_inputs``, ``plan_line``, ``jobs_table``, ``preview_html``,
``error_html``...), tested without widgets.

A run happens in a background thread (:class:`~explore_pandas.engines.threads.Pull`),
so the kernel stays free while jobs run; the pull's listener updates the job
table from worker threads (trait changes from other threads reach the front end
through the kernel's thread-safe IOPub). Only ``HTML`` widgets are updated from
threads, never an ``Output`` widget (its capture is tied to the cell's thread).
Every error of a run is caught in that thread and shown in the form, since an
exception in a widget callback or a thread would otherwise vanish.

No secret ever reaches widget state: the client lives in a plain attribute and
only job ids, times, counts and messages are rendered.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, cast

import ipywidgets as widgets
import traitlets

from explore_pandas.api.presets import check_range_arguments
from explore_pandas.notebook.formview import (
    FIELDS,
    ROW_LIMIT_CHOICES,
    TICK,
    check_inputs,
    count,
    error_html,
    jobs_table,
    local_zone,
    plan_line,
    preset_bounds,
    preset_choices,
    preview_html,
    status_text,
    today_in,
)
from explore_pandas.notebook.volume import volume, volume_html
from explore_pandas.reports import REPORT_TYPES
from explore_pandas.spec import FORMATS
from explore_pandas.zones import timezone_names

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client
    from explore_pandas.api.polling import PollPolicy
    from explore_pandas.engines.threads import Pull
    from explore_pandas.pulls.plan import Plan
    from explore_pandas.pulls.states import WindowState

__all__ = ["ReportForm"]

log = logging.getLogger(__name__)

class ReportForm(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no types: base is Any
    """An ipywidgets form that pulls an Explore report into ``form.value`` (a DataFrame).

    Parameters
    ----------
    client : Client, optional
        Defaults to the kernel's client (:func:`explore_pandas.connect`), looked up at Run.
    report, tz, start, end : optional
        Initial values (calls; this machine's zone; the last 7 days).
    last : str, optional
        A preset to start with instead of ``start``/``end`` (``"7d"``, ``"yesterday"``,
        ``"last_month"``...): the Range dropdown fills in start and end, in
        complete local days of the zone, and follows the zone when it changes.
    poll, max_concurrency : optional
        As for :func:`explore_pandas.read_report`.

    Examples
    --------
    >>> form = ReportForm()                                   # doctest: +SKIP
    >>> form.observe(lambda change: print(change.new.shape), "value")  # doctest: +SKIP
    >>> form                                                  # doctest: +SKIP
    """

    #: The last result (a DataFrame); observe it with ``form.observe(callback, "value")``.
    value = traitlets.Any(None, allow_none=True)
    #: The last error of a run, also shown in the form.
    error = traitlets.Any(None, allow_none=True)
    #: True while a run is in progress.
    running = traitlets.Bool(False)

    def __init__(
        self,
        client: Client | None = None,
        *,
        report: str = "calls",
        tz: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        last: str | None = None,
        poll: PollPolicy | None = None,
        max_concurrency: int | None = None,
        **kwargs: Any,
    ) -> None:
        if last is not None and (start is not None or end is not None):
            check_range_arguments(start, end, last)  # a preset and a bound: refused, as read_report does
        choices, last = preset_choices(last)  # read_report's grammar: "2W" is "2w", "fortnight" refused
        zone = tz or local_zone()
        today = today_in(zone)
        self.client = client
        self.poll = poll
        self.max_concurrency = max_concurrency
        self.pull: Pull | None = None
        self.now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._lock = threading.RLock()
        self._canceled: list[str] | None = None
        self._started_at = 0.0
        self._valid = False
        self._applying_preset = False

        style = {"description_width": "110px"}
        wide = widgets.Layout(width="420px")
        self.report = widgets.Dropdown(
            options=[(t.display_name, t.slug) for t in REPORT_TYPES.values()], value=report,
            description="Report", style=style, layout=wide)
        self.name = widgets.Text(value="", placeholder="optional job name", description="Name",
                                 style=style, layout=wide)
        self.timezone = widgets.Combobox(options=list(timezone_names()), value=zone, ensure_option=False,
                                         placeholder="type to search: Europe/Lisbon", description="Time zone",
                                         style=style, layout=wide)
        self.start = widgets.NaiveDatetimePicker(value=start or today - timedelta(days=7),
                                                 description="Start", style=style)
        self.end = widgets.NaiveDatetimePicker(value=end or today, description="End (exclusive)", style=style)
        self.preset = widgets.Dropdown(options=choices, value="", description="Range",
                                       style=style, layout=widgets.Layout(width="320px"))
        self.preset.add_class("xp-preset")
        self.format = widgets.Dropdown(options=list(FORMATS), value="csv", description="Format",
                                       style=style, layout=widgets.Layout(width="240px"))
        self.on_row_limit = widgets.Dropdown(options=ROW_LIMIT_CHOICES, value="warn", description="At row limit",
                                             style=style, layout=wide)
        self.messages = {field: widgets.HTML("") for field in FIELDS}
        self.plan = widgets.HTML("")
        self.run_button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", disabled=True)
        self.status = widgets.HTML("")
        self.jobs = widgets.HTML("")
        self.preview = widgets.HTML("")
        self.volume = widgets.HTML("")
        self.error_box = widgets.HTML("", layout=widgets.Layout(display="none"))

        rows = []
        for field in FIELDS:
            control = getattr(self, field)
            control.add_class(f"xp-{field.replace('_', '-')}")
            self.messages[field].add_class("xp-msg")
            self.messages[field].add_class(f"xp-msg-{field.replace('_', '-')}")
            if field == "start":
                rows.append(self.preset)
            rows.append(widgets.HBox([control, self.messages[field]]))
        for widget, css in ((self.plan, "xp-plan"), (self.run_button, "xp-run"), (self.cancel_button, "xp-cancel"),
                            (self.status, "xp-status"), (self.jobs, "xp-jobs"), (self.volume, "xp-volume"),
                            (self.preview, "xp-preview"),
                            (self.error_box, "xp-error")):
            widget.add_class(css)
        buttons = widgets.HBox([self.run_button, self.cancel_button, self.status])
        super().__init__(children=[*rows, self.plan, buttons, self.error_box, self.jobs, self.volume,
                                   self.preview], **kwargs)
        self.add_class("xp-form")

        for field in FIELDS:
            getattr(self, field).observe(self._on_field_change, names="value")
        self.preset.observe(self._on_preset_change, names="value")
        self.run_button.on_click(self._on_run_click)
        self.cancel_button.on_click(self._on_cancel_click)
        if last:
            self.preset.value = last  # fills in start and end, then validates
        else:
            self.validate()

    # -- thin handlers ------------------------------------------------------------------------

    def _on_field_change(self, change: dict[str, Any]) -> None:
        owner = change.get("owner")
        if self.preset.value and not self._applying_preset:
            if owner is self.timezone:
                self.apply_preset()  # the same preset, in complete days of the new zone
            elif owner in (self.start, self.end):
                self.preset.value = ""  # a range edited by hand is a custom one
        self.validate()

    def _on_preset_change(self, change: dict[str, Any]) -> None:
        self.apply_preset()
        self.validate()

    def _on_run_click(self, button: widgets.Button) -> None:
        self.run()

    def _on_cancel_click(self, button: widgets.Button) -> None:
        self.cancel()

    # -- what the handlers do -----------------------------------------------------------------

    def inputs(self) -> dict[str, Any]:
        """The fields' current values, as :func:`check_inputs` takes them."""
        return {
            "report": self.report.value, "name": self.name.value, "tz": (self.timezone.value or "").strip(),
            "start": self.start.value, "end": self.end.value, "format": self.format.value,
        }

    def apply_preset(self) -> None:
        """Fill in start and end from the Range dropdown (nothing for "custom range")."""
        bounds = preset_bounds(self.preset.value, (self.timezone.value or "").strip(), now=self.now())
        if bounds is None:
            return
        self._applying_preset = True
        try:
            self.start.value, self.end.value = bounds
        finally:
            self._applying_preset = False

    def validate(self) -> Plan | None:
        """Check the fields, show each message next to its field and the plan line; the plan.

        Call it from the kernel's thread (field edits are): it records warnings.
        """
        plan, errors, notices = check_inputs(**self.inputs(), now=self.now())
        for field, box in self.messages.items():
            text = errors.get(field, "")
            if field == "end" and not text and notices:
                box.value = f"<span style='color:#a60'>⚠ {html.escape(' '.join(notices))}</span>"
            else:
                box.value = f"<span style='color:#b00'>{html.escape(text)}</span>" if text else ""
        self.plan.value = (f"<i>{html.escape(plan_line(plan, self.max_concurrency))}</i>" if plan is not None
                           else "<i>fix the fields marked in red to run</i>")
        self._valid = plan is not None
        self.run_button.disabled = plan is None or self.running
        return plan

    def run(self) -> threading.Thread | None:
        """Start a run in a background thread (the kernel stays free); the thread, or None if invalid."""
        from explore_pandas.engines.threads import Pull

        with self._lock:
            if self.running:
                return self._thread
            plan = self.validate()
            if plan is None:
                self.status.value = "<b>cannot run</b>: fix the fields marked in red"
                return None
            self._show_error(None)
            self.preview.value = self.volume.value = ""
            try:
                options: dict[str, Any] = {"client": self.client, "on_row_limit": self.on_row_limit.value,
                                           "max_concurrency": self.max_concurrency, "progress": False,
                                           "listener": self._on_window_state}
                if self.poll is not None:
                    options["poll"] = self.poll
                pull = Pull(plan, **options)
            except Exception as error:  # noqa: BLE001 - shown in the form, never lost
                self._show_error(error)
                self.status.value = "<b>failed</b> before any job was created"
                return None
            self.pull, self._canceled = pull, None
            self._done.clear()
            self._started_at = time.monotonic()
            self.running = True
            self.run_button.disabled, self.cancel_button.disabled = True, False
            self._render()
            self._thread = threading.Thread(target=self._run_pull, args=(pull,), name="explore-form", daemon=True)
            self._thread.start()
            threading.Thread(target=self._tick, name="explore-form-tick", daemon=True).start()
            return self._thread

    def cancel(self) -> list[str]:
        """Stop polling and cancel the run's unfinished jobs; their ids."""
        pull = self.pull
        if pull is None or not self.running:
            return []
        self.status.value = "canceling…"
        try:
            canceled = pull.cancel()
        except Exception as error:  # noqa: BLE001 - shown in the form
            self._show_error(error)
            canceled = []
        self._canceled = canceled
        return canceled

    def wait(self, timeout: float | None = None) -> pd.DataFrame | None:
        """Block until the current run ends (for scripts and tests); ``form.value``."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError(f"the run did not finish within {timeout} s")
        return cast("pd.DataFrame | None", self.value)  # a traitlets.Any holding the last result

    def snapshot(self) -> list[WindowState]:
        """The current run's window states (empty before the first run)."""
        return self.pull.snapshot() if self.pull is not None else []

    # -- in the run's threads -----------------------------------------------------------------

    def _run_pull(self, pull: Pull) -> None:
        try:
            frame = pull.run()
        except BaseException as error:  # noqa: BLE001 - every error ends up in the form
            self._finish(pull, None, error)
        else:
            self._finish(pull, frame, None)

    def _finish(self, pull: Pull, frame: pd.DataFrame | None, error: BaseException | None) -> None:
        seconds = time.monotonic() - self._started_at
        try:
            with self._lock:
                self._render()
                if error is not None and pull.cancelled.is_set() and self._canceled is not None:
                    jobs = len(self._canceled)
                    self.status.value = f"<b>canceled</b> after {seconds:.1f} s: {jobs} job{'s' if jobs != 1 else ''} canceled"
                elif error is not None:
                    self.status.value = f"<b>failed</b> after {seconds:.1f} s"
                    self._show_error(error)
                else:
                    assert frame is not None
                    self.volume.value = _volume_chart(frame)
                    self.preview.value = preview_html(frame)
                    jobs = len(frame.attrs["explore"]["jobs"])
                    self.status.value = (f"<b>done</b> in {seconds:.1f} s: {count(len(frame), 'row')} from "
                                         f"{count(jobs, 'job')}")
                self.running = False
                # not validate(): it records warnings, which is not thread-safe; the fields
                # were valid at Run and their later edits were checked in the kernel's thread
                self.run_button.disabled, self.cancel_button.disabled = not self._valid, True
            if frame is not None:
                self.value = frame  # observers run here, in this thread
        except BaseException as late:  # e.g. a value observer raised: show it
            log.exception("ReportForm: error after the run")
            self._show_error(late)
        finally:
            self._done.set()

    def _on_window_state(self, state: WindowState) -> None:
        """The pull's listener (worker threads): redraw the job table."""
        self._render()

    def _tick(self) -> None:
        """While running, redraw every second so that elapsed times move."""
        while not self._done.wait(TICK):
            try:
                self._render()
            except Exception:  # a drawing glitch must not stop the ticks
                log.exception("ReportForm: could not redraw the job table")

    def _render(self) -> None:
        pull = self.pull
        if pull is None:
            return
        with self._lock:
            states = pull.snapshot()
            self.jobs.value = jobs_table(states, pull.client.clock())
            if self.running and not self._done.is_set() and self._canceled is None:
                self.status.value = status_text(states)

    def _show_error(self, error: BaseException | None) -> None:
        self.error = error
        if error is None:
            self.error_box.value = ""
            self.error_box.layout.display = "none"
        else:
            self.error_box.value = error_html(error)
            self.error_box.layout.display = None


def _volume_chart(frame: pd.DataFrame) -> str:
    """The result panel's chart; a frame it cannot count (no time column) shows no chart, not an error."""
    try:
        return volume_html(volume(frame))
    except ValueError:
        log.debug("ReportForm: no volume chart for this frame", exc_info=True)
        return ""
