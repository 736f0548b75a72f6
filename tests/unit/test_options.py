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
