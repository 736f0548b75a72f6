"""Execute a built notebook on the embedded emulator and keep its outputs (``_build.py`` uses it).

The notebook runs with nbclient in a kernel of this interpreter that imports
this checkout (``PYTHONPATH``), from a temporary copy of ``notebooks/``, with
every ``EXPLORE_*`` credential unset (so it starts the embedded emulator) and
``EXPLORE_CACHE_DIR`` in a temporary folder. A probe cell appended at the end
reads every client secret and access token the kernel holds; the probe is
removed, and the notebook is refused (:class:`SecretInOutput`) if any of them,
a Bearer header, a JWT, an ``X-Amz-Signature=`` value, a ``client_secret`` or a
local absolute path (a temp or home folder of this machine) appears in it. The outputs record one run: dates ("the last 7 days"), job ids,
ports and timings differ from run to run, so ``--check`` compares the sources only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KERNEL = "explore-pandas-build"
CELL_TIMEOUT = 300
ENV_NAMES = ("EXPLORE_ACCOUNT", "EXPLORE_REGION", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET",
             "EXPLORE_BASE_URL", "EXPLORE_TOKEN_URL", "EXPLORE_PROFILE")

PROBE = """\
import gc as _gc, json as _json
from explore_pandas.api.auth import TokenSource as _TokenSource
from explore_pandas.api.client import Client as _Client
from explore_pandas.emulator import Emulator as _Emulator
_objects = _gc.get_objects()
_of = lambda cls: [o for o in _objects if issubclass(type(o), cls)]
_found = {
    "secrets": sorted({o.client_secret for o in _of(_Emulator)} | {o.settings.client_secret for o in _of(_Client)}),
    "tokens": sorted({o._token for o in _of(_TokenSource) if o._token}),
}
with open(%r, "w") as _file:
    _json.dump(_found, _file)
"""

#: What must never appear in a notebook's outputs, whatever the run.
PATTERNS = {
    "a JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    "a Bearer header": re.compile(r"Bearer\s+[A-Za-z0-9._~+/-]{8,}", re.IGNORECASE),
    "a signed storage URL": re.compile(r"X-Amz-Signature=[0-9A-Za-z%]+", re.IGNORECASE),
    "a client_secret": re.compile(r"client_secret"),
    # a temp or home folder of the machine that ran the notebook (not "/tmp/" inside a URL)
    "a local absolute path": re.compile(r"(?<![\w.:/~-])(?:/tmp/|/var/folders/|/private/var/|/var/tmp/|/root/"
                                        r"|/home/[^/\s\"']+/|/Users/[^/\s\"']+/|[A-Za-z]:\\+(?:Users|Windows\\+Temp)\\+)"),
}


class SecretInOutput(Exception):
    """A notebook's outputs hold a secret or a token: it is not written."""


def outputs_text(notebook: dict) -> str:
    """Everything a notebook shows besides its sources: outputs and metadata (widget state included)."""
    parts = [json.dumps(notebook.get("metadata", {}))]
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            parts.append(json.dumps(cell.get("outputs", [])))
    return "\n".join(parts)


def find_secrets(notebook: dict, known: Sequence[str] = ()) -> list[str]:
    """What in ``notebook``'s outputs looks like a secret: the ``known`` ones, and :data:`PATTERNS`."""
    text = outputs_text(notebook)
    found = [f"a known secret or token ({value[:4]}...)" for value in known if value and value in text]
    found += [f"{what}: {match.group()[:24]}..." for what, pattern in PATTERNS.items()
              if (match := pattern.search(text))]
    return found


def _kernel_env(base: Path) -> dict[str, str]:
    spec = base / "data" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "explore_pandas notebooks", "language": "python", "metadata": {"debugger": False},
    }))
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(JUPYTER_PATH=str(base / "data"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               EXPLORE_CACHE_DIR=str(base / "cache"), PYDEVD_DISABLE_FILE_VALIDATION="1", MPLBACKEND="inline",
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    return env


#: A pull's progress bar as a saved output shows: a live view, whose text is its first frame.
_PROGRESS = re.compile(r"\d+%\|.*\| \d+/\d+ \[.*window/s\]")


def _drop_progress_bars(notebook: nbformat.NotebookNode) -> None:
    """Remove the outputs of pulls' progress bars: saved, a bar reads "0%" forever on GitHub and in
    the docs (they draw its text, not the widget), which says the pull never ran."""
    for cell in notebook.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not _PROGRESS.search("".join(o.get("data", {}).get("text/plain", ""))
                                                    + "".join(o.get("text", "")))]


def execute(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """``notebook`` executed on the embedded emulator, outputs kept, checked for secrets."""
    import nbclient

    metadata = json.loads(json.dumps(notebook.metadata))
    with tempfile.TemporaryDirectory(prefix="explore-notebooks-") as temp:
        base = Path(temp)
        work = base / "notebooks"
        shutil.copytree(HERE, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.ipynb"))
        found_file = base / "probe.json"
        notebook.cells.append(nbformat.v4.new_code_cell(PROBE % str(found_file)))
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(_kernel_env(base))
        try:
            nbclient.NotebookClient(notebook, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=False,
                                    record_timing=False, resources={"metadata": {"path": str(work)}}).execute()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        probe = notebook.cells.pop()
        if probe.outputs:
            raise RuntimeError(f"{name}: the probe cell printed something: {probe.outputs}")
        known = json.loads(found_file.read_text())
    _drop_progress_bars(notebook)
    widgets = notebook.metadata.get("widgets")
    notebook.metadata = nbformat.from_dict(metadata)  # this repository's kernelspec, not the build's
    if widgets:
        notebook.metadata["widgets"] = widgets  # the forms' last state, for renderers that draw widgets
    problems = find_secrets(notebook, known["secrets"] + known["tokens"])
    if not known["secrets"]:
        problems.append("the probe found no client secret to look for")
    if problems:
        raise SecretInOutput(f"{name}: not written: {'; '.join(problems)}")
    return notebook
