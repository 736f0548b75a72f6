"""ReportForm in a real JupyterLab, driven through headless chromium.

The notebook is generated here: its first cell starts an emulator whose jobs
take 3 seconds, connects to it and shows ``ReportForm()``; its second cell
prints what the kernel sees of the run. The test fills the form in the page,
clicks Run, sees the live job table go through a non-final status, executes
the second cell *while the run goes on* (the kernel is free: its output shows
unfinished windows and ``running: True``), then sees every window parsed, the
preview and the chart of rows per local day (one bar per day, adding up to the frame's rows),
and saves a screenshot of the finished form (copied to ``docs/form.png``, the README's
picture, when ``EXPLORE_UPDATE_SCREENSHOT=1``).
Before the run it picks a Range preset and sees start and end filled in.

A second run, on an emulator whose row limit cuts two of the three windows, shows
the chart's colours (orange days of a cut window, red days left empty by the cut):
the chart alone is ``docs/volume.png`` (when ``EXPLORE_UPDATE_SCREENSHOT=1``), and
its title must lie inside the chart (not clipped).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from explore_pandas.api.presets import preset_range

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "form.ipynb"
CELLS = [
    (
        "import explore_pandas as xp\n"
        "from explore_pandas.emulator import Emulator\n"
        "\n"
        "emu = Emulator(progression={'seconds': 3}).start()  # each job takes 3 s\n"
        "xp.connect(**emu.credentials)\n"
        "form = xp.ReportForm()\n"
        "form"
    ),
    (
        "import json\n"
        "print('probe ' + json.dumps({'running': form.running, 'statuses': [s.status for s in form.snapshot()],\n"
        "                             'package': xp.__file__}))"
    ),
]
FINAL = {"parsed", "split", "failed", "canceled"}


def _write_notebook(path: Path, cells: list[str]) -> None:
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
                  for source in cells],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1))


def _open(page: Any, lab: Any, notebook: str) -> Any:
    """Open ``notebook`` in a fresh workspace (no tab of an earlier test restored); its panel."""
    lab.start_session(notebook)
    page.goto(f"{lab.url}/lab/tree/{notebook}?reset")
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.locator(".jp-Cell").first.wait_for(timeout=60_000)
    _wait_kernel_idle(page)
    return panel


def _accept_dialog(page: Any) -> None:
    """Accept a dialog if one is up (Lab may still ask for a kernel despite the REST session)."""
    dialog = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
    if dialog.count():
        dialog.first.click()
        page.wait_for_timeout(250)


def _wait_kernel_idle(page: Any, timeout: float = 90) -> None:
    """Wait for the idle indicator; accept a kernel dialog if one shows up anyway."""
    deadline = time.monotonic() + timeout
    idle = page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status='idle']")
    while time.monotonic() < deadline:
        _accept_dialog(page)
        if idle.count():
            return
        page.wait_for_timeout(250)
    raise AssertionError("the kernel never became idle")


def _run_cell(page: Any, panel: Any, index: int, attempts: int = 3) -> None:
    """Run cell ``index`` alone (edit mode, Shift+Enter); check that it started, else retry.

    On a busy machine the first key press can reach the editor before it is ready.
    """
    cell = panel.locator(".jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    failure: Exception | None = None
    for _ in range(attempts):
        _accept_dialog(page)
        try:
            cell.locator(".jp-InputArea-editor").click(timeout=5_000)
        except Exception as error:  # noqa: BLE001 - e.g. a dialog came up in between: accept it, retry
            failure = error
            continue
        page.keyboard.press("Shift+Enter")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if re.search(r"\[(\*|\d+)\]", prompt.inner_text()):
                return
            page.wait_for_timeout(100)
    raise AssertionError(f"cell {index} did not start: prompt {prompt.inner_text()!r}") from failure


def test_the_form_runs_a_multi_job_pull_in_jupyterlab(lab: Any, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)  # a loaded CI machine is slow; real waits are explicit
    _write_notebook(lab.root / NOTEBOOK, CELLS)
    panel = _open(page, lab, NOTEBOOK)

    _run_cell(page, panel, 0)
    form = panel.locator(".jp-OutputArea-output .xp-form")
    expect(form).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)
    expect(page.get_by_text("ReportForm(children=")).to_have_count(0)  # a real widget, not its repr

    # fill the form as a user would: display name, a searched zone, a 70-day range
    form.locator(".xp-report select").select_option(label="Calls")
    zone = form.locator(".xp-timezone input")
    zone.fill("Europe/Lisbon")
    zone.press("Enter")
    # a preset fills in complete local days of the zone; typing a date makes the range custom again
    last_month = [f"{moment:%Y-%m-%d}T00:00" for moment in preset_range("last_month", ZoneInfo("Europe/Lisbon"))]
    form.locator(".xp-preset select").select_option(label="last month")
    expect(form.locator(".xp-start input[type='datetime-local']")).to_have_value(re.compile(f"^{last_month[0]}"))
    expect(form.locator(".xp-end input[type='datetime-local']")).to_have_value(re.compile(f"^{last_month[1]}"))
    for css, value in ((".xp-start", "2026-08-01T00:00"), (".xp-end", "2026-10-10T00:00")):
        field = form.locator(f"{css} input[type='datetime-local']")
        field.fill(value)
        field.press("Tab")
    form.locator(".xp-format select").select_option("json_bulk")
    expect(form.locator(".xp-plan")).to_contain_text("70 days: 3 jobs, run 3 at a time", timeout=15_000)
    chosen = form.locator(".xp-preset select").evaluate("select => select.options[select.selectedIndex].text")
    assert chosen.replace("\xa0", " ") == "custom range", chosen  # ipywidgets renders spaces as nbsp
    expect(form.locator(".xp-msg-timezone")).to_have_text("")

    clicked = time.monotonic()
    form.locator("button.xp-run").click()
    jobs = form.locator(".xp-jobs tr.xp-job")
    expect(jobs).to_have_count(3, timeout=15_000)
    unfinished = form.locator(".xp-jobs tr.xp-job:not([data-status='parsed'])")
    expect(unfinished.first).to_be_visible()
    seen_live = sorted(set(form.locator(".xp-jobs .xp-job-status").all_inner_texts()))
    assert set(seen_live) - FINAL, f"the table showed only final statuses: {seen_live}"

    # the kernel is free during the run: another cell executes and sees the run unfinished
    _run_cell(page, panel, 1)
    probe = panel.locator(".jp-Cell").nth(1).locator(".jp-OutputArea-output")
    expect(probe).to_contain_text("probe ", timeout=15_000)
    probed_at = time.monotonic() - clicked
    report = json.loads(re.search(r"probe (\{.*\})", probe.inner_text()).group(1))  # type: ignore[union-attr]
    assert report["running"] is True and set(report["statuses"]) - FINAL, report
    assert Path(report["package"]).resolve().is_relative_to(REPO), report  # the kernel runs this checkout

    # follow the table until every window is parsed: it must move through job statuses
    statuses = form.locator(".xp-jobs .xp-job-status")
    deadline = time.monotonic() + 90
    seen = set(seen_live)
    while (current := statuses.all_inner_texts()) != ["parsed"] * 3:
        seen.update(current)
        assert time.monotonic() < deadline, f"not all parsed: {current}"
        page.wait_for_timeout(100)
    assert seen & {"created", "processing", "uploading", "downloading"}, seen
    expect(form.locator(".xp-status")).to_contain_text("done", timeout=15_000)
    done_at = time.monotonic() - clicked
    assert probed_at < done_at
    preview = form.locator(".xp-preview")
    expect(preview).to_contain_text("rows × 52 columns")
    expect(preview).to_contain_text("calls, 3 jobs, times in Europe/Lisbon")
    expect(preview.locator("table.xp-preview-head")).to_be_visible()
    expect(form.locator(".xp-error")).to_be_hidden()
    # the picture of the pull: one bar per local day, their rows adding up to the frame's
    volume = form.locator(".xp-volume")
    expect(volume.locator(".xp-volume-chart[data-freq='day'][data-bins='70']")).to_be_visible()
    bars = volume.locator("rect.xp-volume-bar")
    expect(bars).to_have_count(70)
    charted = sum(int(n) for n in bars.evaluate_all("bars => bars.map(b => b.getAttribute('data-rows'))"))
    shape = re.search(r"([\d,]+) rows × 52 columns", preview.inner_text())
    assert shape and charted == int(shape.group(1).replace(",", "")), (charted, shape)
    elapsed = form.locator(".xp-jobs .xp-job-elapsed").all_inner_texts()
    assert all(text.endswith(" s") for text in elapsed), elapsed

    shot = tmp_path / "form.png"
    form.screenshot(path=str(shot))
    if os.environ.get("EXPLORE_UPDATE_SCREENSHOT"):  # refresh the README's picture on purpose only
        (REPO / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, REPO / "docs" / "form.png")
    print(f"statuses seen {sorted(seen)}; probe at {probed_at:.1f} s, done at {done_at:.1f} s; screenshot {shot}")


def test_an_api_error_is_shown_in_the_form_in_jupyterlab(lab: Any, page: Any) -> None:
    """An error raised in the run's thread reaches the page (it would vanish otherwise)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    cells = [(
        "import explore_pandas as xp\n"
        "from datetime import datetime\n"
        "from explore_pandas.emulator import Emulator\n"
        "\n"
        "emu = Emulator().start()\n"
        "emu.inject('status', status=400, endpoint='create', count=5)\n"
        "xp.connect(**emu.credentials)\n"
        "xp.ReportForm(tz='UTC', start=datetime(2026, 9, 1), end=datetime(2026, 9, 2))"
    )]
    _write_notebook(lab.root / "error.ipynb", cells)
    panel = _open(page, lab, "error.ipynb")
    _run_cell(page, panel, 0)
    form = panel.locator(".jp-OutputArea-output .xp-form")
    expect(form.locator(".xp-plan")).to_contain_text("1 day: 1 job", timeout=60_000)
    form.locator("button.xp-run").click()
    error = form.locator(".xp-error")
    expect(error).to_be_visible(timeout=30_000)
    expect(error).to_contain_text("APIError")
    expect(error).to_contain_text("code: injected_fault")
    expect(error).to_contain_text("description: Injected 400 answer")
    expect(form.locator(".xp-status")).to_contain_text("failed")
    expect(form.locator("button.xp-run")).to_be_enabled()


VOLUME_CELLS = [(
    "import explore_pandas as xp\n"
    "from datetime import datetime\n"
    "from explore_pandas.emulator import Emulator\n"
    "\n"
    "# a row limit under two of the three windows' rows: their files are cut, a json total says so\n"
    "emu = Emulator(progression='immediate', row_limit=46_000, total='matching').start()\n"
    "xp.connect(**emu.credentials)\n"
    "form = xp.ReportForm(tz='Europe/Lisbon', start=datetime(2026, 8, 1), end=datetime(2026, 10, 10))\n"
    "form.format.value = 'json'\n"
    "form"
)]


def test_the_volume_chart_shows_cut_windows_and_empty_days_in_jupyterlab(lab: Any, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    _write_notebook(lab.root / "volume.ipynb", VOLUME_CELLS)
    panel = _open(page, lab, "volume.ipynb")
    _run_cell(page, panel, 0)
    form = panel.locator(".jp-OutputArea-output .xp-form")
    expect(form.locator(".xp-plan")).to_contain_text("70 days: 3 jobs", timeout=60_000)
    form.locator("button.xp-run").click()
    chart = form.locator(".xp-volume .xp-volume-chart[data-freq='day'][data-bins='70']")
    expect(chart).to_be_visible(timeout=90_000)
    expect(chart.locator("rect.xp-volume-truncated").first).to_be_visible()
    assert chart.locator("rect.xp-volume-empty").count() >= 1  # the days after each cut
    expect(chart).to_contain_text("calls: rows per local day of end_at (Europe/Lisbon)")
    expect(chart).to_contain_text("orange: a window hit the row limit")
    # the title starts inside the picture: nothing of it is clipped on the left
    box, title = chart.bounding_box(), chart.locator("div").first.bounding_box()
    assert box is not None and title is not None and title["x"] >= box["x"], (box, title)
    shot = tmp_path / "volume.png"
    chart.screenshot(path=str(shot))
    if os.environ.get("EXPLORE_UPDATE_SCREENSHOT"):  # refresh the README's picture on purpose only
        shutil.copyfile(shot, REPO / "docs" / "volume.png")
