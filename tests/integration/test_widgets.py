"""ReportForm against the emulator, headless: set values, click Run, wait for ``value``."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import ipywidgets as widgets
import pytest

from explore_pandas.api.client import Client
from explore_pandas.api.polling import PollPolicy
from explore_pandas.emulator import Emulator
from explore_pandas.exceptions import APIError, AuthenticationError
from explore_pandas.notebook.widgets import ReportForm

FAST = PollPolicy(initial=0.05, maximum=0.2, timeout=60)
LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    with Client(**emu.credentials, timeout=(5, 30)) as c:
        yield c


def _form(client: Client, start: datetime = datetime(2026, 8, 1), end: datetime = datetime(2026, 10, 10)) -> ReportForm:
    form = ReportForm(client, tz="Europe/Lisbon", poll=FAST)
    form.start.value, form.end.value = start, end
    form.format.value = "json_bulk"
    return form


def _wait_until(predicate: Any, timeout: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _states(widget: widgets.Widget) -> Iterator[dict[str, Any]]:
    """get_state() of the widget and of every widget it refers to (children, layout, style)."""
    seen: set[str] = set()
    todo = [widget]
    while todo:
        current = todo.pop()
        if current.model_id in seen:
            continue
        seen.add(current.model_id)
        yield current.get_state()
        for name in current.keys:
            value = getattr(current, name)
            values = value if isinstance(value, (list, tuple)) else [value]
            todo.extend(v for v in values if isinstance(v, widgets.Widget))


def test_run_works_in_the_background_and_gives_the_frame(emu: Emulator, client: Client) -> None:
    emu.configure(progression={"seconds": 1.0})
    form = _form(client)
    assert "70 days: 3 jobs, run 3 at a time" in form.plan.value
    seen: list[tuple[Any, str]] = []
    form.observe(lambda change: seen.append((change["new"], threading.current_thread().name)), "value")
    clicked = time.monotonic()
    form.run_button.click()
    assert time.monotonic() - clicked < 1.0 and form.running  # the click returns at once
    assert form.run_button.disabled and not form.cancel_button.disabled
    _wait_until(lambda: "data-status='processing'" in form.jobs.value or "data-status='created'" in form.jobs.value,
                what="a job in progress in the table")
    df = form.wait(30)
    assert df is not None and df is form.value and not form.running
    start, end = datetime(2026, 8, 1, tzinfo=LISBON), datetime(2026, 10, 10, tzinfo=LISBON)
    assert df["call_id"].astype(str).tolist() == emu.truth("calls", start, end)["call_id"].astype(str).tolist()
    assert len(seen) == 1 and seen[0][0] is df and seen[0][1] == "explore-form"  # observed, from the run thread
    assert form.jobs.value.count("data-status='parsed'") == 3
    for job in emu.jobs():
        assert job["id"] in form.jobs.value
    assert f"{len(df):,} rows × {len(df.columns)} columns" in form.preview.value
    assert "datetime64[us, Europe/Lisbon]" in form.preview.value
    assert "done" in form.status.value and form.error is None and form.error_box.layout.display == "none"
    assert not form.run_button.disabled and form.cancel_button.disabled


def test_cancel_stops_the_run_and_cancels_the_jobs(emu: Emulator, client: Client) -> None:
    emu.configure(progression={"polls": 10_000})  # never finishes on its own
    form = _form(client)
    form.run_button.click()
    _wait_until(lambda: sum(s.status == "processing" for s in form.snapshot()) == 3, what="3 processing jobs")
    asked = time.monotonic()
    form.cancel_button.click()
    assert form.wait(10) is None and time.monotonic() - asked < 5
    assert {job["status"] for job in emu.jobs()} == {"canceled"} and len(emu.jobs()) == 3
    assert "canceled" in form.status.value and "3 jobs canceled" in form.status.value
    assert form.jobs.value.count("data-status='canceled'") == 3
    assert form.error is None and form.value is None and not form.run_button.disabled


def test_an_api_error_shows_with_code_and_description(emu: Emulator, client: Client) -> None:
    emu.inject("status", status=400, endpoint="create")
    form = _form(client, datetime(2026, 9, 1), datetime(2026, 9, 2))
    form.run_button.click()
    assert form.wait(30) is None
    assert isinstance(form.error, APIError) and form.error.code == "injected_fault"
    box = form.error_box.value
    assert "APIError" in box and "code: injected_fault" in box and "description: Injected 400 answer" in box
    assert "request_id: " in box and form.error_box.layout.display is None
    assert "failed" in form.status.value and not form.running


def test_bad_credentials_show_and_no_secret_is_in_widget_state(emu: Emulator) -> None:
    with Client(base_url=emu.base_url, token_url=emu.token_url, client_id=emu.client_id,
                client_secret="wrong-secret-" + "x" * 12) as bad:
        form = _form(bad, datetime(2026, 9, 1), datetime(2026, 9, 2))
        form.run_button.click()
        assert form.wait(30) is None
    assert isinstance(form.error, AuthenticationError) and "AuthenticationError" in form.error_box.value
    state = json.dumps(list(_states(form)), default=str)
    assert "wrong-secret-" not in state


def test_no_secret_or_token_reaches_widget_state(emu: Emulator, client: Client) -> None:
    form = _form(client, datetime(2026, 9, 1), datetime(2026, 9, 3))
    form.run_button.click()
    assert form.wait(30) is not None
    token = client._tokens.get()  # the cached bearer token the run used
    states = list(_states(form))
    assert len(states) > 20  # every child, layout and style was looked at
    text = json.dumps(states, default=str)
    assert emu.client_secret not in text and token not in text
    assert "IPY_MODEL_" in text  # references were serialised, not the objects behind them


def test_an_exception_in_a_value_observer_is_shown_not_lost(emu: Emulator, client: Client) -> None:
    form = _form(client, datetime(2026, 9, 1), datetime(2026, 9, 2))

    def broken(change: Any) -> None:
        raise RuntimeError("observer broke")

    form.observe(broken, "value")
    form.run_button.click()
    form.wait(30)
    assert isinstance(form.error, RuntimeError) and "observer broke" in form.error_box.value
    assert "traceback" in form.error_box.value


def test_after_a_run_the_result_panel_shows_rows_per_local_day(emu: Emulator, client: Client) -> None:
    import re

    form = _form(client, start=datetime(2026, 10, 20), end=datetime(2026, 10, 30))
    assert form.volume.value == ""
    form.run_button.click()
    df = form.wait(30)
    assert df is not None
    chart = form.volume.value
    assert "data-freq='day' data-bins='10'" in chart and "xp-volume" in form.volume._dom_classes
    bars = [int(n) for n in re.findall(r"data-rows='(\d+)'", chart)]
    assert len(bars) == 10 and sum(bars) == len(df)
    per_day = df["end_at"].dt.strftime("%Y-%m-%d").value_counts().sort_index().tolist()
    assert [n for n in bars if n] == per_day  # local days of Europe/Lisbon, 25 hours on the 25th
