"""``binder/`` installs this package and what the notebooks need, on Python 3.11.

mybinder builds the repository with repo2docker, and there is no Docker engine
in CI, so this checks the configuration two ways (``/work/shared/jupyter-testing.md``):

1. by reading the files against repo2docker's conventions: with a ``binder/``
   folder *only* its files count (the root ``pyproject.toml`` is ignored), so
   ``binder/requirements.txt`` must list the repository itself (``.``) and
   ``binder/runtime.txt`` must pin ``python-3.11`` (repo2docker's default is 3.10,
   which ``requires-python`` may refuse); an ``environment.yml`` or a
   ``Dockerfile`` there would silently replace both;
2. with repo2docker itself, ``repo2docker --no-build --debug``, which renders the
   Dockerfile without Docker (about a second, offline): it must pick Python 3.11
   and run ``pip install -r binder/requirements.txt`` *after* copying the
   repository into the image. Otherwise ``pip install .`` runs in a folder that
   holds nothing but ``binder/requirements.txt`` and the build fails on mybinder.
   repo2docker decides that by reading requirements.txt for local references,
   through a character-set guess that takes a file of only ``.\\n`` for UTF-16
   and misses the ``.``: the file-reading test cannot see that, this one does.

Plus: every module the notebooks import is in the standard library or installed
by ``binder/requirements.txt`` (the package's dependencies, or a line of its own).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
PYTHON = "3.11"
PACKAGE = "explore_pandas"
QUICKSTART = "notebooks/01_quickstart.ipynb"
# repo2docker's base environment, shared with the kernel for requirements.txt builds
# (repo2docker/buildpacks/conda/environment.py-3.11.yml).
BASE_ENV = {"jupyterlab", "notebook", "ipywidgets", "jupyter-server", "ipykernel", "ipython",
            "jupyterhub-singleuser", "nbclassic"}
# Files in binder/ that make repo2docker ignore requirements.txt / runtime.txt.
OVERRIDING = ("environment.yml", "Dockerfile", "Pipfile", "Pipfile.lock", "default.nix")


def _requirement_lines() -> list[str]:
    text = (BINDER / "requirements.txt").read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _is_this_repository(line: str) -> bool:
    """``.``, ``./``, ``.[extra]``, ``-e .``, ``--editable=.``: pip installs the repository root."""
    target = re.sub(r"^(-e\s+|--editable[=\s]+)", "", line).strip()
    return re.fullmatch(r"\.(/)?(\[[\w,\s-]+\])?", target) is not None


# -- the files ---------------------------------------------------------------------------------

def test_binder_folder_is_the_configuration() -> None:
    assert BINDER.is_dir(), "binder/ is missing"
    assert not (ROOT / ".binder").exists(), "both binder/ and .binder/ exist: repo2docker refuses that"
    present = [name for name in OVERRIDING if (BINDER / name).exists()]
    assert present == [], f"binder/{present[0]} makes repo2docker ignore requirements.txt and runtime.txt"


def test_runtime_is_python_311() -> None:
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime == f"python-{PYTHON}", f"binder/runtime.txt says {runtime!r}, not 'python-{PYTHON}'"
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the binder image is 3.11
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert SpecifierSet(requires).contains(f"{PYTHON}.0"), f"requires-python {requires!r} refuses {PYTHON}"


def test_requirements_install_this_repository() -> None:
    lines = _requirement_lines()
    assert any(_is_this_repository(line) for line in lines), (
        f"binder/requirements.txt ({lines}) does not install this repository: add a line '.'"
    )
    raw = (BINDER / "requirements.txt").read_bytes()
    raw.decode("ascii")  # plain ASCII: nothing for an encoding guess to get wrong


def test_quickstart_exists_for_the_binder_link() -> None:
    assert (ROOT / QUICKSTART).is_file(), f"the binder link opens {QUICKSTART}"


def _notebook_imports() -> dict[str, set[str]]:
    """Top-level modules imported by the notebooks' code cells: {module: {notebook, ...}}."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(path.name)
    return found


def _closure(names: set[str]) -> set[str]:
    """Distributions installed by ``names`` and their dependencies (no extras), as installed here."""
    seen: set[str] = set()
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def test_binder_installs_what_the_notebooks_import() -> None:
    wanted = {canonicalize_name(PACKAGE)} | BASE_ENV
    for line in _requirement_lines():
        if _is_this_repository(line) or line.startswith("-"):
            continue
        try:
            wanted.add(canonicalize_name(Requirement(line).name))
        except InvalidRequirement:
            continue
    installed = _closure(wanted)
    providers = metadata.packages_distributions()
    missing = {}
    for module, notebooks in sorted(_notebook_imports().items()):
        if module in sys.stdlib_module_names or module == PACKAGE:
            continue
        dists = {canonicalize_name(d) for d in providers.get(module, [module])}
        if not dists & installed:
            missing[module] = sorted(notebooks)
    assert missing == {}, (
        f"the notebooks import {missing}, which binder/requirements.txt does not install "
        "(neither directly nor as a dependency of the package): add them to binder/requirements.txt"
    )


# -- repo2docker's own reading -----------------------------------------------------------------

@pytest.fixture(scope="module")
def dockerfile(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Dockerfile repo2docker renders for a copy of the repository's build inputs (no Docker)."""
    pytest.importorskip("repo2docker", reason="pip install jupyter-repo2docker (the test extra has it)")
    repo = tmp_path_factory.mktemp("binder-repo") / "repo"
    repo.mkdir()
    shutil.copytree(BINDER, repo / "binder")
    for name in ("pyproject.toml", "README.md", "setup.py", "requirements.txt"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(ROOT / "notebooks", repo / "notebooks", ignore=shutil.ignore_patterns(".*", "__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "repo2docker", "--no-build", "--debug", "--user-id", "1000",
         "--user-name", "jovyan", str(repo)],
        check=False, capture_output=True, text=True, timeout=120, cwd=repo.parent,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"repo2docker --no-build failed:\n{output[-3000:]}"
    assert "FROM " in output, f"no Dockerfile rendered:\n{output[-3000:]}"
    return output


def test_repo2docker_picks_python_311(dockerfile: str) -> None:
    match = re.search(r"python=(\d+\.\d+)", dockerfile)
    assert match, "repo2docker did not say which Python it picked"
    assert match.group(1) == PYTHON, f"repo2docker picked Python {match.group(1)}, not {PYTHON}"


def test_repo2docker_installs_requirements_after_copying_the_repository(dockerfile: str) -> None:
    lines = dockerfile.splitlines()
    install = [i for i, line in enumerate(lines)
               if re.search(r'pip install --no-cache-dir -r "?binder/requirements.txt', line)]
    copy = [i for i, line in enumerate(lines) if re.match(r"COPY (--chown=\S+ )?src/ \$\{REPO_DIR\}/?$", line)]
    assert install, "repo2docker does not install binder/requirements.txt"
    assert copy, "repo2docker does not copy the repository"
    assert install[0] > copy[0], (
        "repo2docker installs binder/requirements.txt BEFORE copying the repository, so 'pip install .' "
        "would find an empty folder on mybinder. repo2docker did not see the local reference '.': it guesses "
        "the file's character set, and a file of only '.\\n' reads as UTF-16. Give binder/requirements.txt "
        "more text (a comment line, or the notebooks' extra packages) so that it reads as ASCII."
    )
