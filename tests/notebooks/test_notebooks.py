"""Every example notebook in ``notebooks/`` executes top to bottom on the emulator.

Each notebook runs with nbclient in a kernel of this interpreter (a kernelspec
written to a temporary ``JUPYTER_PATH``), from a temporary copy of ``notebooks/``
as its working directory, with every ``EXPLORE_*`` credential unset (so it
starts the embedded emulator) and ``EXPLORE_CACHE_DIR`` in a temporary folder.
Then:

- no cell raised (nbclient stops at the first error);
- a few outputs per notebook say what the notebook is for (the quickstart's
  dtypes are in ``Europe/...``, the form produced a frame, the row limit was
  warned about, split and raised, the analysis drew its plots);
- nothing in the executed notebook, outputs and metadata included, holds the
  emulator's client secret, an access token or a ``Bearer`` header. The secrets
  and tokens to look for are read from the kernel after the last cell by a probe
  cell that writes them to a file: the probe has no output and is removed before
  the scan;
- with ``EXPLORE_*`` set (to an emulator in the test process, standing in for
  a real account), a notebook takes the "your account" branch, sends its jobs
  there and starts no emulator of its own (the quickstart always; the others
  are marked ``slow``);
- the notebooks in the repository are committed WITH their outputs (written by
  ``notebooks/_build.py``, which executes them): every code cell was executed,
  none failed unless it is tagged ``raises-exception``, and no output or widget
  state holds a Bearer header, a JWT, a signed storage URL (``X-Amz-Signature=``),
  a ``client_secret`` or a local absolute path (a temp or home folder of the
  machine that ran it); their sources match ``notebooks/_build.py`` (the
  outputs are one run's record: dates, job ids and timings differ run to run).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL = "explore-pandas-test"
CELL_TIMEOUT = 300  # seconds per cell; the notebooks take ~10 s each on the emulator
ENV_NAMES = ("EXPLORE_ACCOUNT", "EXPLORE_REGION", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET",
             "EXPLORE_BASE_URL", "EXPLORE_TOKEN_URL")

# Runs in the kernel after the notebook: every secret and token it holds, into a file.
PROBE = """\
import gc as _gc, json as _json
from explore_pandas.api.auth import TokenSource as _TokenSource
from explore_pandas.api.client import Client as _Client
from explore_pandas.emulator import Emulator as _Emulator
# type(), not isinstance(): isinstance() on a dead weakref.proxy raises ReferenceError
_objects = _gc.get_objects()
_of = lambda cls: [o for o in _objects if issubclass(type(o), cls)]
_found = {
    "secrets": sorted({o.client_secret for o in _of(_Emulator)} | {o.settings.client_secret for o in _of(_Client)}),
    "tokens": sorted({o._token for o in _of(_TokenSource) if o._token}),
    "emulators": len(_of(_Emulator)),
}
with open(%r, "w") as _file:
    _json.dump(_found, _file)
"""

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
BEARER = re.compile(r"Bearer\s+[A-Za-z0-9._~+/-]{8,}", re.IGNORECASE)
SIGNATURE = re.compile(r"X-Amz-Signature=[0-9A-Za-z%]+", re.IGNORECASE)
CLIENT_SECRET = re.compile(r"client_secret")
# A path of the machine that ran the notebook (its temp or home folders): it says nothing to a reader and
# tells about the machine. "/tmp/" in a URL ("http://host/tmp/") is not one.
LOCAL_PATH = re.compile(r"(?<![\w.:/~-])(?:/tmp/|/var/folders/|/private/var/|/var/tmp/|/root/|/home/[^/\s\"']+/"
                        r"|/Users/[^/\s\"']+/|[A-Za-z]:\\+(?:Users|Windows\\+Temp)\\+)")


def _shown(notebook: dict) -> str:
    """What a notebook shows besides its sources: its outputs and metadata (widget state included)."""
    cells = [json.dumps(c.get("outputs", [])) for c in notebook["cells"] if c["cell_type"] == "code"]
    return "\n".join([json.dumps(notebook.get("metadata", {})), *cells])


def _check_no_token_shapes(notebook: dict) -> None:
    shown = _shown(notebook)
    for what, pattern in (("a JWT-shaped string", JWT), ("a Bearer header", BEARER),
                          ("a signed storage URL", SIGNATURE), ("client_secret", CLIENT_SECRET),
                          ("a local absolute path", LOCAL_PATH)):
        match = pattern.search(shown)
        assert match is None, f"{what} appears in the notebook's outputs: {match.group()[:24]}..."


def _text_outputs(cell: dict) -> str:
    """All text a code cell showed: streams, text/plain and text/html of results, errors."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] in ("execute_result", "display_data"):
            data = output.get("data", {})
            parts.extend(data.get(kind, "") for kind in ("text/plain", "text/html"))
        elif output["output_type"] == "error":
            parts.append("\n".join(output.get("traceback", [])))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


class Executed:
    def __init__(self, notebook: dict, found: dict, seconds: float) -> None:
        self.notebook = notebook
        self.found = found
        self.seconds = seconds
        self.cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        self.text = "\n".join(_text_outputs(c) for c in self.cells)

    def output_types(self) -> list[str]:
        return [o["output_type"] for c in self.cells for o in c.get("outputs", [])]

    def mime_types(self) -> set[str]:
        return {m for c in self.cells for o in c.get("outputs", []) for m in o.get("data", {})}

    def stderr(self) -> str:
        return "\n".join(o["text"] for c in self.cells for o in c.get("outputs", [])
                         if o["output_type"] == "stream" and o["name"] == "stderr")


@pytest.fixture(scope="session")
def kernel_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A Jupyter data dir with a kernelspec for this interpreter, and runtime/cache dirs."""
    base = tmp_path_factory.mktemp("jupyter")
    spec = base / "data" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "explore_pandas tests", "language": "python",
        "metadata": {"debugger": False},
    }))
    return {"JUPYTER_PATH": str(base / "data"), "JUPYTER_RUNTIME_DIR": str(base / "runtime")}


@pytest.fixture
def run_notebook(kernel_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Execute one notebook from a temporary copy of notebooks/; an :class:`Executed`."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in kernel_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path / "explore-cache"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    def run(path: Path) -> Executed:
        work = tmp_path / "notebooks"
        shutil.copytree(NOTEBOOK_DIR, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        notebook = nbformat.read(work / path.name, as_version=4)
        found_file = tmp_path / "probe.json"
        notebook.cells.append(nbformat.v4.new_code_cell(PROBE % str(found_file)))
        client = nbclient.NotebookClient(
            notebook, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=False,
            resources={"metadata": {"path": str(work)}},
        )
        started = time.perf_counter()
        client.execute()  # raises CellExecutionError at the first failing cell
        seconds = time.perf_counter() - started
        probe = notebook.cells.pop()
        assert probe.outputs == [], f"the probe cell printed something: {probe.outputs}"
        found = json.loads(found_file.read_text())
        print(f"\n{path.name}: executed in {seconds:.1f} s")
        return Executed(json.loads(nbformat.writes(notebook)), found, seconds)

    return run


def _check_no_secrets(executed: Executed) -> None:
    dumped = json.dumps(executed.notebook)
    assert executed.found["secrets"], "the probe found no client secret to look for"
    for secret in executed.found["secrets"]:
        assert secret not in dumped, "a client secret appears in the executed notebook"
    for token in executed.found["tokens"]:
        assert token not in dumped, "an access token appears in the executed notebook"
    _check_no_token_shapes(executed.notebook)


# -- the notebooks ---------------------------------------------------------------------------

def test_there_are_notebooks() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert names == ["01_quickstart.ipynb", "02_report_form.ipynb",
                     "03_long_ranges_and_row_limit.ipynb", "04_calls_analysis.ipynb",
                     "05_presets_volume_and_magics.ipynb"], names


def test_quickstart(run_notebook) -> None:
    ran = run_notebook(NOTEBOOK_DIR / "01_quickstart.ipynb")
    text = ran.text
    assert "No EXPLORE_* variables set: using the embedded emulator" in text
    assert re.search(r"datetime64\[(us|ns|ms|s), Europe/Madrid\]", text), "no Europe/Madrid datetime dtype shown"
    assert re.search(r"[\d,]+ calls, \d+ columns", text)
    assert "'report': 'calls'" in text and "'timezone': 'Europe/Madrid'" in text and "'truncated': False" in text
    assert "job_id" in text  # df.explore.jobs
    assert re.search(r"[\d,]+ rows, the same as the window's [\d,]+: True", text)
    assert "same dtypes as read_report: True" in text
    assert "America/New_York" in text
    assert "error" not in ran.output_types()
    _check_no_secrets(ran)


def test_report_form(run_notebook) -> None:
    ran = run_notebook(NOTEBOOK_DIR / "02_report_form.ipynb")
    text = ran.text
    assert "application/vnd.jupyter.widget-view+json" in ran.mime_types(), "the form was not displayed as a widget"
    assert re.search(r"start \d{4}-\d\d-\d\d 00:00 \.\. end \d{4}-\d\d-\d\d 00:00 \(exclusive\)", text)  # the 7d preset
    assert re.search(r"status: done in [\d.]+ s: [\d,]+ rows from \d+ jobs?", text), text[-2000:]
    chart = json.dumps(ran.notebook["metadata"]["widgets"])
    assert chart.count("xp-volume-bar") == 7, "the result panel does not show 7 local days"
    assert re.search(r"form.value: [\d,]+ rows x \d+ columns, end_at in Europe/Madrid", text)
    assert "Run disabled: True" in text and "Run disabled: False" in text
    _check_no_secrets(ran)


def test_long_ranges_and_row_limit(run_notebook) -> None:
    ran = run_notebook(NOTEBOOK_DIR / "03_long_ranges_and_row_limit.ipynb")
    text = ran.text
    assert re.search(r"from 3 windows; at most [12] jobs at once", text), "max_concurrency=2 not shown"
    assert "no new job (ledger or cache): [True, True, True] | same rows: True" in text
    assert "with fresh=True, no new job: [False, False, False]" in text
    assert "jobs the emulator created for these three pulls: 6" in text
    match = re.search(r"429 answers: (\d+); most jobs running at once on the account: (\d+) \(quota 4\)", text)
    assert match and int(match.group(1)) > 0 and int(match.group(2)) <= 4, "the quota demo met no 429"
    assert "RowLimitWarning: " in text and "1,000,000" in text
    assert re.search(r"2,000 of [\d,]+ rows; truncated: True", text)
    split = re.search(r"([\d,]+) of ([\d,]+) rows from (\d+) windows; truncated: False", text)
    assert split and split.group(1) == split.group(2) and int(split.group(3)) > 1, "split did not fetch every row"
    assert "RowLimitError: " in text
    assert ran.found["emulators"] == 2
    _check_no_secrets(ran)


def test_calls_analysis(run_notebook) -> None:
    ran = run_notebook(NOTEBOOK_DIR / "04_calls_analysis.ipynb")
    text = ran.text
    pngs = sum(1 for c in ran.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    assert pngs >= 3, f"expected the 3 plots, got {pngs}"
    assert "busiest local hour:" in text
    assert re.search(r"index: datetime64\[(us|ns)(, America/New_York)?\]", text)
    assert "service_level" in text
    assert "mean service level by weekday (%):" in text
    assert "Traceback" not in ran.stderr()
    _check_no_secrets(ran)


def test_presets_volume_and_magics(run_notebook) -> None:
    ran = run_notebook(NOTEBOOK_DIR / "05_presets_volume_and_magics.ipynb")
    text = ran.text
    assert "last_month" in text and "month_to_date" in text  # the table of presets
    assert "ValidationError: last: a preset ('7d') says both ends of the range" in text
    pngs = sum(1 for c in ran.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    assert pngs == 3, f"expected the 3 volume plots, got {pngs}"
    sources = ["".join(c["source"]) for c in ran.cells]
    magic = next(c for c, source in zip(ran.cells, sources)
                 if source.startswith("%explore calls --last yesterday") and "-o" not in source)
    assert magic["outputs"][0]["output_type"] == "execute_result"  # the frame is the cell's value
    assert "call_id" in "".join(magic["outputs"][0]["data"]["text/html"])
    assert re.search(r"yesterday: [\d,]+ rows × 52 columns", text)
    assert "explore: calls " in text and "Europe/Lisbon (end exclusive)" in text
    assert ("UsageError: %explore: argument --last: not allowed with argument --start "
            "(see %explore --help).") in text
    _check_no_secrets(ran)


# -- the EXPLORE_* branch: "your account" played by an emulator outside the kernel ------------

@pytest.mark.parametrize("name", [
    "01_quickstart.ipynb",
    pytest.param("02_report_form.ipynb", marks=pytest.mark.slow),
    pytest.param("03_long_ranges_and_row_limit.ipynb", marks=pytest.mark.slow),
    pytest.param("04_calls_analysis.ipynb", marks=pytest.mark.slow),
    pytest.param("05_presets_volume_and_magics.ipynb", marks=pytest.mark.slow),
])
def test_with_explore_variables_set(name: str, run_notebook, monkeypatch: pytest.MonkeyPatch) -> None:
    """With EXPLORE_* set, a notebook uses that account and starts no emulator of its own."""
    from explore_pandas.emulator import Emulator

    with Emulator(seed=5, progression="immediate", rates={"calls": 300}) as account:
        for key, value in account.credentials.items():
            monkeypatch.setenv(f"EXPLORE_{key.upper()}", value)
        ran = run_notebook(NOTEBOOK_DIR / name)  # the fixture unset EXPLORE_* first
        assert f"Using your Talkdesk account {account.base_url} (region us) from EXPLORE_*." in ran.text
        assert "embedded emulator" not in ran.text
        assert account.stats()["jobs_created"] > 0, "the notebook sent nothing to the account"
        # 03 always starts its local `lab` emulator for the quota and row-limit demos
        assert ran.found["emulators"] == (1 if name.startswith("03_") else 0)
        assert account.client_secret in ran.found["secrets"]
        assert account.client_secret not in json.dumps(ran.notebook)
        _check_no_secrets(ran)


# -- the notebooks as committed --------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_with_outputs_and_no_secret(path: Path) -> None:
    """Committed executed (they read well on GitHub and in the docs), and nothing they show is a secret."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: not executed top to bottom: {counts}"
    for cell in code:
        expected = "raises-exception" in cell.metadata.get("tags", [])
        failed = any(o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr"
                                                  and "Error" in o.text) for o in cell.outputs)
        assert failed == expected, f"{path.name}: {cell.id} {'did not fail' if expected else 'failed'}"
    shown = sum(1 for cell in code if cell.outputs)
    assert shown >= len(code) // 2, f"{path.name}: only {shown} of {len(code)} code cells show something"
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    _check_no_token_shapes(json.loads(nbformat.writes(notebook)))


def test_the_secret_scan_finds_what_it_looks_for() -> None:  # the check above can fail
    for leak in ("Authorization: Bearer abcdefgh12345678", "https://s/x?X-Amz-Signature=0a1b2c",
                 "{'client_secret': 'x'}", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc",
                 "Ledger('/tmp/explore-emulator-_1jgbjzs-ledger')", "cache in /home/alice/.cache/explore",
                 "/Users/bob/Library/Caches/explore", "/var/folders/x1/T/explore", "/root/.cache/explore",
                 "C:\\Users\\carol\\AppData\\Local\\Temp\\x"):
        notebook = {"metadata": {}, "cells": [{"cell_type": "code", "outputs": [{"text": leak}]}]}
        with pytest.raises(AssertionError):
            _check_no_token_shapes(notebook)


@pytest.mark.parametrize("fine", ["http://127.0.0.1:8080/tmp/x", "explore_pandas/api/client.py",
                                  "~/tmp/notes", "s3://bucket/home/x/", "files under day=2026-11-01/"])
def test_the_path_scan_leaves_urls_and_relative_paths(fine: str) -> None:
    notebook = {"metadata": {}, "cells": [{"cell_type": "code", "outputs": [{"text": fine}]}]}
    _check_no_token_shapes(notebook)


def test_generator_is_in_sync(tmp_path: Path) -> None:
    """The .ipynb files are what ``notebooks/_build.py`` writes (edit the generator, not the JSON)."""
    result = subprocess.run([sys.executable, str(NOTEBOOK_DIR / "_build.py"), "--check"],
                            check=False, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_notebooks_folder_untouched_by_runs() -> None:
    """Executions happen in copies: nothing but the generator and the notebooks lives in notebooks/."""
    extra = sorted(p.name for p in NOTEBOOK_DIR.iterdir()
                   if not p.name.startswith((".", "_")) and p.suffix != ".ipynb")
    assert extra == [], f"unexpected files in notebooks/: {extra}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_connection_is_one_helper_call_not_a_cell_of_its_own(path: Path) -> None:
    """Every notebook connects with ``xp.connect_or_emulator``: no copy of the env-var logic."""
    sources = [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    connecting = [s for s in sources if "connect_or_emulator(" in s]
    assert len(connecting) == 1, path.name
    assert not any("EXPLORE_" in s and "os.environ" in s for s in sources), path.name
    assert len(connecting[0].splitlines()) <= 8
