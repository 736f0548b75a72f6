"""PullOptions: every option of a pull checked once, with one message and one default (issue 15)."""

from __future__ import annotations

import pytest

from explore_pandas.api.client import Client
from explore_pandas.api.retry import QuotaWait
from explore_pandas.exceptions import ConfigurationError, ValidationError
from explore_pandas.pulls.ledger import Ledger
from explore_pandas.pulls.options import PullOptions, check_concurrency

# resolve() never sends anything: a client of an account that does not exist will do
CLIENT = Client(base_url="http://127.0.0.1:9/api", token_url="http://127.0.0.1:9/oauth/token",
                client_id="id", client_secret="secret")


@pytest.mark.parametrize(("engine", "default"), [("pandas", "warn"), ("dask", "split")])
def test_on_row_limit_defaults_by_engine(engine: str, default: str) -> None:
    assert PullOptions.resolve(engine=engine, client=CLIENT, ledger=False).on_row_limit == default


@pytest.mark.parametrize("value", ["", "Split", "drop", 0])
def test_an_unknown_on_row_limit_names_the_field(value: object) -> None:
    with pytest.raises(ValidationError, match="on_row_limit=.*use 'warn', 'split' or 'raise'") as raised:
        PullOptions.resolve(client=CLIENT, on_row_limit=value)
    assert raised.value.fields[0]["name"] == "on_row_limit"


def test_dask_refuses_warn_and_says_why() -> None:
    with pytest.raises(ValidationError, match="never reach you"):
        PullOptions.resolve(engine="dask", client=CLIENT, on_row_limit="warn")


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValidationError, match="engine='spark'"):
        PullOptions.resolve(engine="spark", client=CLIENT)


@pytest.mark.parametrize("value", [0, 16, -1, 2.5, "3", True])
def test_max_concurrency_is_a_whole_number_within_the_quota(value: object) -> None:
    with pytest.raises(ValidationError, match="max_concurrency"):
        check_concurrency(value)


def test_defaults_the_quota_and_the_ledger(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path))
    options = PullOptions.resolve(client=CLIENT)
    assert options.max_concurrency == 15 and isinstance(options.ledger, Ledger)
    assert options.ledger.directory == tmp_path
    assert PullOptions.resolve(client=CLIENT, ledger=False).ledger is None


def test_a_bad_option_is_reported_before_the_default_client_is_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EXPLORE_ACCOUNT", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET", "EXPLORE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("explore_pandas.api.client._default", None)
    with pytest.raises(ValidationError, match="max_concurrency"):
        PullOptions.resolve(max_concurrency=99)
    with pytest.raises(ConfigurationError):
        PullOptions.resolve()


def test_quota_wait_pauses_double_up_to_the_cap() -> None:
    following = QuotaWait(first=5, maximum=30).pauses()
    assert [following() for _ in range(5)] == [5, 10, 20, 30, 30]


@pytest.mark.parametrize(("option", "value"), [
    ("client", "x"), ("poll", 5), ("progress", "no"), ("fresh", "no"), ("ledger", "/some/path"),
    ("encoding_errors", "latin-1"),
])
def test_objects_and_flags_of_the_wrong_kind_are_named(option: str, value: object) -> None:
    with pytest.raises(ValidationError, match=f"{option}=") as raised:
        PullOptions.resolve(**{"client": CLIENT, option: value})  # type: ignore[arg-type]
    assert raised.value.fields[0]["name"] == option


@pytest.mark.parametrize("value", [0, -5, float("inf"), "60", True])
def test_quota_timeout_is_positive_seconds_or_none(value: object) -> None:
    with pytest.raises(ValidationError, match="quota_timeout="):
        PullOptions.resolve(client=CLIENT, quota_timeout=value)  # type: ignore[arg-type]
    assert PullOptions.resolve(client=CLIENT, ledger=False, quota_timeout=None).quota_wait.timeout is None
    assert PullOptions.resolve(client=CLIENT, ledger=False, quota_timeout=90).quota_wait.timeout == 90


# -- issue 14: progress is True, False or "auto" -------------------------------------------------

@pytest.mark.parametrize("value", [True, False, "auto"])
def test_progress_takes_true_false_or_auto(value: object) -> None:
    assert PullOptions.resolve(client=CLIENT, ledger=False, progress=value).progress == value  # type: ignore[arg-type]


def test_progress_defaults_to_auto() -> None:
    assert PullOptions.resolve(client=CLIENT, ledger=False).progress == "auto"  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["yes", 1, None, "Auto"])
def test_any_other_progress_is_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="progress=.*use True, False or 'auto'"):
        PullOptions.resolve(client=CLIENT, ledger=False, progress=value)  # type: ignore[arg-type]


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize(("tty", "shown"), [(True, True), (False, False)])
def test_auto_shows_a_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch, tty: bool, shown: bool) -> None:
    import sys

    from explore_pandas.pulls import runner

    monkeypatch.setattr(sys, "stderr", _Stream(tty))
    assert runner.show_progress("auto") is shown
    assert runner.show_progress(True) is True and runner.show_progress(False) is False


def test_auto_shows_a_bar_in_a_notebook_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from explore_pandas.pulls import runner

    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    monkeypatch.setattr(sys, "stderr", _Stream(False))
    assert runner.in_notebook() and runner.show_progress("auto")


def test_the_progress_label_shows_times_when_the_bounds_are_not_midnights(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import datetime, timezone

    from explore_pandas.pulls.plan import plan_pull
    from explore_pandas.pulls.runner import progress_bar

    now = datetime(2026, 11, 27, tzinfo=timezone.utc)
    day = plan_pull("calls", start="2026-11-20T06:00", end="2026-11-20T18:00", now=now)
    with progress_bar(day, True):
        pass
    days = plan_pull("calls", start="2026-11-01", end="2026-11-03", now=now)
    with progress_bar(days, True):
        pass
    err = capsys.readouterr().err
    assert "calls 2026-11-20 06:00..2026-11-20 18:00 UTC:" in err
    assert "calls 2026-11-01..2026-11-03 UTC:" in err
