"""Helpers of the account tests: the test's user folders and the command line in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

WORKTREE = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCRIPT = Path(sys.executable).with_name("explore-pandas")
CREDENTIAL_VARIABLES = ("EXPLORE_ACCOUNT", "EXPLORE_REGION", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET",
                        "EXPLORE_BASE_URL", "EXPLORE_TOKEN_URL", "EXPLORE_PROFILE")


@dataclass
class Home:
    """The test's user folders."""

    config: Path
    data: Path

    @property
    def config_toml(self) -> Path:
        return self.config / "explore_pandas" / "config.toml"

    @property
    def secrets(self) -> Path:
        return self.data / "explore_pandas" / "secrets"


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None,
            keyring_backend: str = "keyring.backends.fail.Keyring", timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """The installed ``explore-pandas`` in a subprocess, with this worktree first and the test's folders."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join([str(WORKTREE), str(HERE)])
    environment["PYTHON_KEYRING_BACKEND"] = keyring_backend
    environment["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([str(SCRIPT), *args], input=stdin, capture_output=True, text=True,
                          env=environment, timeout=timeout, check=False)
