"""The package type-checks under ``mypy --strict`` (the settings are pyproject.toml's [tool.mypy]).

explore_pandas ships ``py.typed``: users' type checkers read its annotations, so they must hold.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_strict_finds_no_error(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="the test extra installs mypy on Python 3.11+ only (pandas-stubs 3 needs it)")
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout
