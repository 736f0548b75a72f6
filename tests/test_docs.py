"""The documentation site (docs/): it covers the public surface, and it builds with -W, offline."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import zlib
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

import explore_pandas as xp
from explore_pandas import exceptions
from explore_pandas.emulator import Options, control
from explore_pandas.emulator.faults import KINDS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"
DOCS_TOOLS = ("sphinx", "pydata_sphinx_theme", "numpydoc", "myst_nb")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
# A 1x1 PNG: the committed output of the notebook that checks pictures render.
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# -- the sources: fast, no Sphinx needed -------------------------------------------------------


def test_the_api_page_lists_every_public_name_and_nothing_else() -> None:
    text = _read("api.rst")
    listed = set()
    for block in re.findall(r"\.\. autosummary::\n(?:   :.*\n)*\n((?:   \S.*\n)+)", text):
        listed |= {line.strip() for line in block.splitlines()}
    listed |= set(re.findall(r"^\.\. data:: (\S+)$", text, flags=re.M))
    assert {name for name in listed if "." not in name} == set(xp.__all__)
    assert {"testing.mock_explore", "pytest_plugin.explore_emulator"} <= listed


def test_troubleshooting_explains_every_error_and_warning() -> None:
    headings = set(re.findall(r"^### (\w+)$", _read("troubleshooting.md"), flags=re.M))
    assert headings == set(exceptions.__all__)


def test_the_emulator_guide_has_every_setting_fault_and_control_endpoint() -> None:
    guide = _read("emulator.md")
    settings = {field.name for field in dataclasses.fields(Options)}
    assert {name for name in settings if f"| `{name}` |" not in guide} == set()
    assert {kind for kind in KINDS if f"| `{kind}` |" not in guide} == set()
    endpoints = {f"{method} /_emulator/{name}" for method, name in control.ROUTES}
    assert {endpoint for endpoint in endpoints if f"`{endpoint}" not in guide} == set()


def test_the_user_guide_has_every_topic_of_the_issue() -> None:
    toctree = (DOCS / "user-guide" / "index.md").read_text(encoding="utf-8")
    pages = re.findall(r"^([a-z-]+)$", toctree, flags=re.M)
    assert pages == [
        "pulls", "windows-and-quota", "row-limit", "time-zones", "ledger-and-cache", "form",
        "command-line", "dask-and-parquet", "account",
    ]
    assert all((DOCS / "user-guide" / f"{page}.md").is_file() for page in pages)


def test_the_getting_started_page_has_the_readmes_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    two_commands = re.search(r"## Two commands\n\n.*?\n(```bash\n.*?```)", readme, flags=re.S)
    assert two_commands is not None
    assert two_commands.group(1) in _read("getting-started.md")


def test_the_build_needs_no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPLORE_DOCS_OFFLINE", raising=False)
    conf = runpy.run_path(str(DOCS / "conf.py"))
    assert conf["nb_execution_mode"] == "off"
    assert set(conf["intersphinx_mapping"]) == {"python", "pandas", "pyarrow"}
    for _uri, locations in conf["intersphinx_mapping"].values():
        # the remote inventory first, then a local one, so that failing to fetch is no warning
        assert locations[0] is None and (DOCS / locations[-1]).is_file()
    monkeypatch.setenv("EXPLORE_DOCS_OFFLINE", "1")
    conf = runpy.run_path(str(DOCS / "conf.py"))
    assert all(None not in locations for _uri, locations in conf["intersphinx_mapping"].values())


def test_the_notebooks_are_linked_not_copied() -> None:
    assert (DOCS / "notebooks").is_symlink()
    assert (DOCS / "notebooks").resolve() == NOTEBOOKS


# -- the build: slow, needs the docs extra ------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from a copy of docs/ and notebooks/, plus a notebook with a picture."""
    missing = [name for name in DOCS_TOOLS if find_spec(name) is None]
    if missing:
        pytest.skip(f"the docs tools are not installed ({', '.join(missing)}): pip install -e '.[docs]'")
    work = tmp_path_factory.mktemp("docs-build")
    shutil.copytree(DOCS, work / "docs", symlinks=True, ignore=shutil.ignore_patterns("_build", "generated"))
    shutil.copytree(NOTEBOOKS, work / "notebooks")
    (work / "notebooks" / "zz_picture.ipynb").write_text(json.dumps(_picture_notebook()), encoding="utf-8")
    out = work / "html"
    env = {**os.environ, "EXPLORE_DOCS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(work / "docs"), str(out)],
        check=False, capture_output=True, text=True, env=env, timeout=600,
    )
    assert done.returncode == 0, f"the docs build failed:\n{done.stderr[-4000:]}"
    return out


@pytest.mark.slow
def test_every_public_name_has_a_reference_entry(built: Path) -> None:
    entries = _inventory(built / "objects.inv")
    missing = {name for name in xp.__all__ if f"explore_pandas.{name}" not in entries}
    assert missing == set()
    assert entries["explore_pandas.testing.mock_explore"] == "py:function"
    assert entries["explore_pandas.ValidationError"] == "py:exception"


@pytest.mark.slow
def test_the_notebooks_render_with_their_pictures(built: Path) -> None:
    for notebook in sorted((built.parent / "notebooks").glob("*.ipynb")):
        page = built / "notebooks" / f"{notebook.stem}.html"
        assert page.is_file(), f"{notebook.name} has no page"
        pictures = _pictures(json.loads(notebook.read_text(encoding="utf-8")))
        html = page.read_text(encoding="utf-8")
        assert len(re.findall(r"<img ", html)) >= pictures, f"{notebook.name}: a picture is missing"
    picture_page = (built / "notebooks" / "zz_picture.html").read_text(encoding="utf-8")
    images = re.findall(r'<img [^>]*src="([^"]+)"', picture_page)
    assert len(images) == 1 and (built / "notebooks" / images[0]).resolve().is_file()
    # the committed output is shown; the cell, which would fail, was never run
    assert "committed before the build" in picture_page


@pytest.mark.slow
def test_the_site_has_every_page(built: Path) -> None:
    for page in ("index", "getting-started", "user-guide/index", "examples", "emulator", "api",
                 "troubleshooting", "changelog"):
        assert (built / f"{page}.html").is_file(), page
    assert (built / "_images" / "form.png").is_file()


def _inventory(path: Path) -> dict[str, str]:
    """``{name: "domain:role"}`` from a Sphinx objects.inv (version 2)."""
    raw = path.read_bytes()
    header_end = 0
    for _ in range(4):  # "# Sphinx inventory version 2", project, version, "compressed using zlib"
        header_end = raw.index(b"\n", header_end) + 1
    assert raw.startswith(b"# Sphinx inventory version 2")
    entries = {}
    for line in zlib.decompress(raw[header_end:]).decode("utf-8").splitlines():
        match = re.match(r"(.+?)\s+(\S+:\S+)\s+-?\d+\s+\S+\s+.*", line)
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


def _pictures(notebook: dict[str, Any]) -> int:
    return sum(
        1
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        for kind in output.get("data", {})
        if kind in IMAGE_TYPES
    )


def _picture_notebook() -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# A picture"},
            {
                "cell_type": "code", "id": "plot", "metadata": {}, "execution_count": 1,
                "source": "raise SystemExit('the docs build must not run notebooks')",
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": "committed before the build\n"},
                    {"output_type": "display_data", "metadata": {},
                     "data": {"image/png": PIXEL, "text/plain": "<Figure>"}},
                ],
            },
        ],
    }
