"""JupyterLab on a free loopback port and Debian's chromium through Playwright.

Follows ``jupyter-testing.md``: Lab gets its own root, settings and workspace
directories (news and update checks off), the kernel session is created over
REST before the page opens (no "Select Kernel" dialog), chromium is
``/usr/bin/chromium`` (never ``playwright install``) and everything that is
not loopback is aborted. Without chromium, Playwright or JupyterLab every test
here is skipped with the reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # start the notebook's kernel without the "Select Kernel" dialog
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
}
NOT_LOOPBACK = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*")


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    for module, package in (("playwright", "playwright"), ("jupyterlab", "jupyterlab"), ("ipykernel", "ipykernel")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed: pip install -e '.[test]'"
    return None


@pytest.fixture(scope="session")
def browser_requirements() -> None:
    reason = _missing()
    if reason:
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"jupyter lab did not answer {url} within {timeout} s:\n{log.read_text()[-3000:]}")


class Lab:
    """A running JupyterLab: its URL and the directory it serves."""

    def __init__(self, url: str, root: Path) -> None:
        self.url = url
        self.root = root

    def start_session(self, path: str) -> dict[str, Any]:
        """Create the notebook's kernel session over REST, so Lab never asks for a kernel."""
        body = json.dumps({"path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}}).encode()
        request = urllib.request.Request(f"{self.url}/api/sessions", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


@pytest.fixture(scope="session")
def lab(browser_requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    root.mkdir()
    settings = tmp / "user-settings"
    for rel, value in LAB_SETTINGS.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(value))
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
           f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={settings}",
           f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly", "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = tmp / "lab.log"
    # the kernel's job ledger goes to a private directory, never the user's cache
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "EXPLORE_CACHE_DIR": str(tmp / "cache")}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=root, env=env)
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/status", proc, log)
        yield Lab(f"http://127.0.0.1:{port}", root)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(browser_requirements: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    context.route(NOT_LOOPBACK, lambda route: route.abort())
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield pg
    finally:
        shots = Path(os.environ.get("UI_SHOTS", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(shots / f"{request.node.name}-page.png"))
        context.close()
    # JupyterLab rejects the pending kernel requests of a notebook whose kernel goes away
    # ("Canceled future for <msg> message before replies were done"): Lab's own teardown noise,
    # seen in one CI run out of several; any other page error fails the test.
    real = [e for e in errors if "Canceled future for" not in e]
    assert not real, real

