"""The public surface is pinned: a change here is a change users see."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import explore_pandas as xp
from explore_pandas import exceptions

PUBLIC = {
    "APIError", "AuthenticationError", "Client", "ConfigurationError", "DataLatencyWarning",
    "Emulator", "ExploreError", "ExploreWarning", "ForbiddenError", "Job", "JobError",
    "JobFailedError", "JobStatus", "JobTimeoutError", "NotFoundError", "NotFromExploreError", "ParseError", "PollPolicy",
    "Pull", "RateLimitError", "ReportForm", "ReportType", "RowLimitError", "RowLimitWarning",
    "SchemaDriftWarning", "ServerError", "TransportError", "ValidationError", "__version__",
    "clear_cache", "connect", "connect_or_emulator", "doctor", "get_client", "plan_pull", "read_file", "read_report",
    "write_parquet",
}

TREE = {
    "ConfigurationError": ("ExploreError", "ValueError"),
    "ValidationError": ("ExploreError", "ValueError"),
    "TransportError": ("ExploreError",),
    "APIError": ("ExploreError",),
    "AuthenticationError": ("APIError",),
    "ForbiddenError": ("AuthenticationError",),
    "NotFoundError": ("APIError",),
    "RateLimitError": ("APIError",),
    "ServerError": ("APIError",),
    "JobError": ("ExploreError",),
    "JobFailedError": ("JobError",),
    "JobTimeoutError": ("JobError", "TimeoutError"),
    "RowLimitError": ("ExploreError",),
    "ParseError": ("ExploreError",),
    "NotFromExploreError": ("ExploreError", "AttributeError"),
    "RowLimitWarning": ("ExploreWarning",),
    "DataLatencyWarning": ("ExploreWarning",),
    "SchemaDriftWarning": ("ExploreWarning",),
}


def test_all_is_pinned() -> None:
    assert set(xp.__all__) == PUBLIC


@pytest.mark.parametrize("name", sorted(PUBLIC - {"__version__"}))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(xp, name) is not None


@pytest.mark.parametrize(("name", "parents"), sorted(TREE.items()))
def test_the_error_tree(name: str, parents: tuple[str, ...]) -> None:
    cls = getattr(exceptions, name)
    for parent in parents:
        base = getattr(exceptions, parent, None) or getattr(__import__("builtins"), parent)
        assert issubclass(cls, base)


def test_errors_pickle_with_their_fields() -> None:
    error = exceptions.RateLimitError("quota", status=429, code="too_many", fields=[{"name": "x", "description": "y"}],
                                      request_id="tid-1", retry_after=3.0)
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is exceptions.RateLimitError
    assert (clone.status, clone.code, clone.fields, clone.request_id, clone.retry_after) == (
        429, "too_many", [{"name": "x", "description": "y"}], "tid-1", 3.0)
    assert str(clone) == "quota (platform-tid: tid-1)"
    validation = pickle.loads(pickle.dumps(exceptions.ValidationError("bad", fields=[{"name": "format", "description": "d"}])))
    assert validation.fields == [{"name": "format", "description": "d"}]


def test_import_is_light() -> None:
    code = "import sys, explore_pandas; print(sorted(m for m in ('pandas', 'ipywidgets', 'requests') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
