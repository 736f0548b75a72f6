"""``df.explore`` registered on ``import explore_pandas`` without importing pandas.

If pandas is loaded already the accessor is registered at once; otherwise a
one-shot import hook registers it when ``import pandas`` finishes. This keeps
``import explore_pandas`` light: pandas takes about a second to import.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import threading
import warnings
from typing import Any

from explore_pandas.notebook.accessor import NAME, ExploreAccessor

__all__ = ["register", "register_when_pandas_loads"]

_registered = False
_register_lock = threading.Lock()


def register() -> None:
    """Register ``ExploreAccessor`` as ``DataFrame.explore`` (imports pandas; once)."""
    global _registered
    with _register_lock:
        if _registered:
            return
        import pandas as pd

        if NAME not in getattr(pd.DataFrame, "_accessors", set()):
            pd.api.extensions.register_dataframe_accessor(NAME)(ExploreAccessor)
        _registered = True


class _AfterPandas(importlib.abc.MetaPathFinder):
    """A one-shot import hook: registers the accessor once ``import pandas`` has finished."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "pandas":
            return None
        _remove_hook()
        spec = importlib.util.find_spec("pandas")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_register(module: Any) -> None:
            exec_module(module)
            try:
                register()
            except Exception as error:  # noqa: BLE001 - never break `import pandas` because of us
                warnings.warn(f"explore_pandas could not register df.explore: {error!r}", stacklevel=2)

        spec.loader.exec_module = exec_then_register  # type: ignore[method-assign]
        return spec


_hook = _AfterPandas()


def _remove_hook() -> None:
    try:
        sys.meta_path.remove(_hook)
    except ValueError:
        pass


def register_when_pandas_loads() -> None:
    """Register ``df.explore`` now if pandas is loaded, else right after ``import pandas``.

    Keeps ``import explore_pandas`` light: pandas (about a second to import) is
    not imported for it.
    """
    pandas = sys.modules.get("pandas")
    if pandas is not None and hasattr(pandas, "api"):
        register()
    elif pandas is None and _hook not in sys.meta_path:
        sys.meta_path.insert(0, _hook)
