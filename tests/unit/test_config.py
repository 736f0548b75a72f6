"""config: regions table, Settings, from_env and their errors."""

from __future__ import annotations

import pytest

from explore_pandas.api.config import REGIONS, Settings, from_env, is_loopback_url
from explore_pandas.exceptions import ConfigurationError

CREDS = {"client_id": "cid", "client_secret": "s3cret-value"}


@pytest.mark.parametrize(
    ("region", "base", "token"),
    [
        ("us", "https://api.talkdeskapp.com", "https://acme.talkdeskid.com/oauth/token"),
        ("eu", "https://api.talkdeskapp.eu", "https://acme.talkdeskid.eu/oauth/token"),
        ("ca", "https://api.talkdeskappca.com", "https://acme.talkdeskidca.com/oauth/token"),
        ("au", "https://api.talkdeskapp.au", "https://acme.talkdeskid.au/oauth/token"),
    ],
)
def test_resolve_uses_the_regions_table(region: str, base: str, token: str) -> None:
    settings = Settings.resolve(account="acme", region=region, **CREDS)
    assert (settings.base_url, settings.token_url, settings.region) == (base, token, region)


def test_region_is_case_insensitive_and_defaults_to_us() -> None:
    assert Settings.resolve(account="acme", region="EU", **CREDS).region == "eu"
    assert Settings.resolve(account="acme", region=None, **CREDS).base_url == REGIONS["us"].base_url


def test_explicit_urls_override_the_table() -> None:
    settings = Settings.resolve(
        base_url="http://127.0.0.1:8080/", token_url="http://127.0.0.1:8080/oauth/token", **CREDS
    )
    assert settings.base_url == "http://127.0.0.1:8080"
    assert settings.token_url == "http://127.0.0.1:8080/oauth/token"


def test_repr_never_shows_the_secret() -> None:
    settings = Settings.resolve(account="acme", **CREDS)
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in str(settings)
    assert "cid" in repr(settings)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"account": "acme", "client_secret": "x"}, "client_id"),
        ({"account": "acme", "client_id": "x"}, "client_secret"),
        ({"client_id": "x", "client_secret": "y"}, "account"),
        ({"account": "acme", "region": "mars", **CREDS}, "region"),
        ({"account": "not a host!", **CREDS}, "account"),
        ({"account": "acme", "region": "eu", "base_url": "https://api.talkdeskapp.com", **CREDS}, "base_url"),
        ({"region": "us", "token_url": "https://acme.talkdeskid.eu/oauth/token", **CREDS}, "token_url"),
        ({"account": "acme", "token_url": "https://other.talkdeskid.com/oauth/token", **CREDS}, "token_url"),
        ({"account": "acme", "base_url": "http://api.example.com", **CREDS}, "base_url"),
        ({"token_url": "http://10.0.0.1/oauth/token", **CREDS}, "token_url"),
        ({"account": "acme", "base_url": "ftp://x", **CREDS}, "base_url"),
    ],
)
def test_missing_or_contradictory_settings_name_the_argument(kwargs: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.resolve(**kwargs)
    assert info.value.setting == named
    assert named in str(info.value)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:1/x", "http://127.8.9.10/x", "http://[::1]:80/x", "http://localhost/x", "http://LOCALHOST:9/"],
)
def test_loopback_urls(url: str) -> None:
    assert is_loopback_url(url)
    Settings.resolve(base_url=url, token_url=url, **CREDS)


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://example.com/", "http://128.0.0.1/", "http://localhost.evil.com/"])
def test_non_loopback_urls(url: str) -> None:
    assert not is_loopback_url(url)


def test_from_env_reads_every_variable() -> None:
    env = {
        "EXPLORE_ACCOUNT": "acme",
        "EXPLORE_REGION": "ca",
        "EXPLORE_CLIENT_ID": "cid",
        "EXPLORE_CLIENT_SECRET": "sec",
    }
    settings = from_env(env)
    assert settings.token_url == "https://acme.talkdeskidca.com/oauth/token"
    assert settings.base_url == "https://api.talkdeskappca.com"
    env |= {"EXPLORE_BASE_URL": "http://127.0.0.1:9", "EXPLORE_TOKEN_URL": "http://127.0.0.1:9/oauth/token"}
    env.pop("EXPLORE_REGION")
    settings = from_env(env)
    assert settings.base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"EXPLORE_ACCOUNT": "acme", "EXPLORE_CLIENT_ID": "cid"}, "EXPLORE_CLIENT_SECRET"),
        ({"EXPLORE_ACCOUNT": "acme", "EXPLORE_CLIENT_SECRET": "s"}, "EXPLORE_CLIENT_ID"),
        ({"EXPLORE_CLIENT_ID": "c", "EXPLORE_CLIENT_SECRET": "s"}, "EXPLORE_ACCOUNT"),
        ({"EXPLORE_ACCOUNT": "acme", "EXPLORE_CLIENT_ID": "c", "EXPLORE_CLIENT_SECRET": "s", "EXPLORE_REGION": "xx"}, "EXPLORE_REGION"),
        (
            {"EXPLORE_ACCOUNT": "acme", "EXPLORE_CLIENT_ID": "c", "EXPLORE_CLIENT_SECRET": "s",
             "EXPLORE_REGION": "eu", "EXPLORE_BASE_URL": "https://api.talkdeskappca.com"},
            "EXPLORE_BASE_URL",
        ),
        ({"EXPLORE_ACCOUNT": "acme", "EXPLORE_CLIENT_ID": "c", "EXPLORE_CLIENT_SECRET": "  "}, "EXPLORE_CLIENT_SECRET"),
    ],
)
def test_from_env_errors_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        from_env(env)


def test_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("ACCOUNT", "REGION", "CLIENT_ID", "CLIENT_SECRET", "BASE_URL", "TOKEN_URL"):
        monkeypatch.delenv(f"EXPLORE_{key}", raising=False)
    monkeypatch.setenv("EXPLORE_ACCOUNT", "acme")
    monkeypatch.setenv("EXPLORE_CLIENT_ID", "cid")
    monkeypatch.setenv("EXPLORE_CLIENT_SECRET", "sec")
    assert from_env().account == "acme"


def test_no_credentials_name_every_missing_variable_at_once_and_the_offline_way() -> None:
    with pytest.raises(ConfigurationError) as info:
        from_env({})
    message = str(info.value)
    assert message.startswith("EXPLORE_CLIENT_ID, EXPLORE_CLIENT_SECRET and EXPLORE_ACCOUNT are missing.")
    assert "xp.Emulator()" in message and "xp.connect(**emu.credentials)" in message
    assert info.value.missing == ["EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET", "EXPLORE_ACCOUNT"]
    assert info.value.setting == "EXPLORE_CLIENT_ID"


def test_keyword_arguments_name_every_missing_one_without_the_variables() -> None:
    with pytest.raises(ConfigurationError, match=r"^client_secret and account are missing\.") as info:
        Settings.resolve(client_id="cid")
    assert "EXPLORE_" not in str(info.value)


def test_connect_without_any_variable_says_it_all_in_one_try(monkeypatch: pytest.MonkeyPatch) -> None:
    import explore_pandas as xp

    for key in ("ACCOUNT", "REGION", "CLIENT_ID", "CLIENT_SECRET", "BASE_URL", "TOKEN_URL"):
        monkeypatch.delenv(f"EXPLORE_{key}", raising=False)
    with pytest.raises(ConfigurationError, match="EXPLORE_CLIENT_ID, EXPLORE_CLIENT_SECRET and EXPLORE_ACCOUNT.*Emulator"):
        xp.connect()
