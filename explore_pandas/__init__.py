"""explore_pandas: Talkdesk's Explore API in pandas and Jupyter.

``import explore_pandas`` stays light: heavy or optional parts (the emulator,
the widgets) load on first use through the lazy map below.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from explore_pandas.exceptions import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    DataLatencyWarning,
    ExploreError,
    ExploreWarning,
    ForbiddenError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    NotFromExploreError,
    ParseError,
    RateLimitError,
    RowLimitError,
    RowLimitWarning,
    SchemaDriftWarning,
    ServerError,
    TransportError,
    ValidationError,
)

__version__ = "0.1.0.dev0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# public name -> module that defines it, imported on first attribute access
_LAZY = {
    "Client": "explore_pandas.api.client",
    "clear_cache": "explore_pandas.pulls.cache",
    "Emulator": "explore_pandas.emulator",
    "Job": "explore_pandas.api.models",
    "JobStatus": "explore_pandas.api.models",
    "PollPolicy": "explore_pandas.api.polling",
    "ReportType": "explore_pandas.reports",
    "Pull": "explore_pandas.engines.threads",
    "connect": "explore_pandas.api.client",
    "connect_or_emulator": "explore_pandas.notebook.connection",
    "doctor": "explore_pandas.api.doctor",
    "get_client": "explore_pandas.api.client",
    "plan_pull": "explore_pandas.pulls.plan",
    "read_file": "explore_pandas.frames.parsing",
    "read_report": "explore_pandas.engines.read",
    "ReportForm": "explore_pandas.notebook.widgets",
    "write_parquet": "explore_pandas.engines.parquet",
}

__all__ = [
    "APIError",
    "AuthenticationError",
    "Client",
    "ConfigurationError",
    "DataLatencyWarning",
    "Emulator",
    "ExploreError",
    "ExploreWarning",
    "ForbiddenError",
    "Job",
    "JobError",
    "JobFailedError",
    "JobStatus",
    "JobTimeoutError",
    "NotFoundError",
    "NotFromExploreError",
    "ParseError",
    "PollPolicy",
    "Pull",
    "RateLimitError",
    "ReportForm",
    "ReportType",
    "RowLimitError",
    "RowLimitWarning",
    "SchemaDriftWarning",
    "ServerError",
    "TransportError",
    "ValidationError",
    "__version__",
    "clear_cache",
    "connect",
    "connect_or_emulator",
    "doctor",
    "get_client",
    "plan_pull",
    "read_file",
    "read_report",
    "write_parquet",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'explore_pandas' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext explore_pandas``: the ``%explore`` magic (:mod:`explore_pandas.magics`)."""
    importlib.import_module("explore_pandas.magics").load_ipython_extension(ipython)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# df.explore: registered now if pandas is loaded, else right after `import pandas`.
from explore_pandas.notebook.pandas_hook import register_when_pandas_loads as _register_accessor

_register_accessor()
