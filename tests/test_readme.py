"""The README's Python examples run as written, against the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import explore_pandas as xp

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def _block(marker: str) -> str:
    found = [b for b in _python_blocks() if marker in b]
    assert len(found) == 1, f"one README block should contain {marker!r}"
    return found[0]


def test_the_usage_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    exec(compile(_block("with xp.Emulator() as emu:"), "README.md", "exec"), scope)  # noqa: S102
    df, longer = scope["df"], scope["longer"]
    assert isinstance(df, pd.DataFrame) and len(df) > 0 and df.attrs["explore"]["report"] == "contacts"
    assert isinstance(longer, pd.DataFrame) and longer.explore.timespan[1] == pd.Timestamp("2026-11-15", tz="America/New_York")
    assert scope["same"].equals(scope["again"])  # read_job and read_file of the same job


@pytest.mark.slow
def test_the_dask_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)
    with xp.Emulator(rates={"calls": 40}) as emu:  # the example's year, at a rate that keeps it quick
        xp.connect(**emu.credentials)
        scope: dict[str, object] = {}
        try:
            exec(compile(_block('engine="dask"'), "README.md", "exec"), scope)  # noqa: S102
        finally:
            try:
                dask_client = distributed.get_client()
            except ValueError:
                dask_client = None
            if dask_client is not None:
                cluster = dask_client.cluster
                dask_client.close()
                cluster.close()
        ddf = scope["ddf"]
        assert ddf.npartitions == 12 and ddf.known_divisions
        assert len(list((tmp_path / "calls-by-window").glob("*.parquet"))) == 12
        written = pd.read_parquet(tmp_path / "calls")
        assert len(written) == emu.count_rows("calls", *(pd.Timestamp(d, tz="Europe/Lisbon").to_pydatetime()
                                                       for d in ("2025-11-01", "2026-11-01")))
