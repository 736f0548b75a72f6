"""Connection settings: the regions table, :class:`Settings` and :func:`from_env`.

Talkdesk serves each region from its own API host and its own Talkdesk ID token
host (``explore-api.md`` section 2). Explicit ``base_url`` / ``token_url`` win
over the table, which is how the emulator and proxies are reached.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from explore_pandas.api import profiles
from explore_pandas.api.profiles import PROFILE_ENV
from explore_pandas.exceptions import ConfigurationError

__all__ = ["ENV_NAMES", "OFFLINE_HINT", "PROFILE_ENV", "REGIONS", "SCOPES", "Region", "Settings", "from_env",
           "is_loopback_url", "resolve", "resolve_with_sources"]

#: The scopes a client needs: create jobs (write), read status and files (read).
SCOPES = ("data-reports:read", "data-reports:write")


@dataclass(frozen=True)
class Region:
    """One Talkdesk region: its API base URL and its token URL template."""

    name: str
    base_url: str
    token_url_template: str  # ``{account}`` is the Talkdesk account (subdomain)

    def token_url(self, account: str) -> str:
        return self.token_url_template.format(account=account)


REGIONS: Mapping[str, Region] = {
    "us": Region("us", "https://api.talkdeskapp.com", "https://{account}.talkdeskid.com/oauth/token"),
    "eu": Region("eu", "https://api.talkdeskapp.eu", "https://{account}.talkdeskid.eu/oauth/token"),
    "ca": Region(
        "ca", "https://api.talkdeskappca.com", "https://{account}.talkdeskidca.com/oauth/token"
    ),
    "au": Region("au", "https://api.talkdeskapp.au", "https://{account}.talkdeskid.au/oauth/token"),
}

# A Talkdesk account name is the subdomain of its token host: one DNS label.
_ACCOUNT = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)

# Names used in error messages, per source (keyword arguments or environment).
_ARG_NAMES = {
    "account": "account",
    "region": "region",
    "client_id": "client_id",
    "client_secret": "client_secret",
    "base_url": "base_url",
    "token_url": "token_url",
}
#: The environment variable of each setting: ``EXPLORE_ACCOUNT``, ...
ENV_NAMES = {key: f"EXPLORE_{key.upper()}" for key in _ARG_NAMES}
#: Where the job ledger (and every other local state) lives.
CACHE_DIR_ENV = "EXPLORE_CACHE_DIR"


def is_loopback_url(url: str) -> bool:
    """True when ``url``'s host is ``localhost``, ``::1`` or in ``127.0.0.0/8``."""
    host = urlsplit(url).hostname or ""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Settings:
    """Where and as whom to connect. The secret never appears in ``repr``.

    Build it with :meth:`resolve` (keyword arguments) or :func:`from_env`.
    """

    client_id: str
    client_secret: str = field(repr=False)
    base_url: str
    token_url: str
    account: str | None = None
    region: str = "us"
    scopes: tuple[str, ...] = SCOPES

    @classmethod
    def resolve(
        cls,
        *,
        account: str | None = None,
        region: str | None = "us",
        client_id: str | None = None,
        client_secret: str | None = None,
        base_url: str | None = None,
        token_url: str | None = None,
        _names: Mapping[str, str] = _ARG_NAMES,
    ) -> Settings:
        """Check the settings against each other and the regions table.

        Raises
        ------
        ConfigurationError
            When a setting is missing, malformed or contradicts another; the
            message names the argument (or ``EXPLORE_*`` variable) to fix.
        """
        region_given = region is not None
        region_key = (region or "us").strip().lower()
        if region_key not in REGIONS:
            raise ConfigurationError(
                f"{_names['region']}={region!r} is not a Talkdesk region; "
                f"use one of {', '.join(sorted(REGIONS))}.",
                setting=_names["region"],
            )
        table = REGIONS[region_key]
        _check_present(client_id, client_secret, account, token_url, _names)
        if account is not None and not _ACCOUNT.match(account):
            raise ConfigurationError(
                f"{_names['account']}={account!r} is not a Talkdesk account name (the "
                "subdomain of https://<account>.talkdeskid.com).",
                setting=_names["account"],
            )
        if token_url is None:
            assert account  # _check_present
            token_url = table.token_url(account)
        base_url = (base_url or table.base_url).rstrip("/")
        for key, url in (("base_url", base_url), ("token_url", token_url)):
            _check_url(url, _names[key])
        if region_given:
            _check_region_agrees(region_key, base_url, token_url, _names)
        if account and _account_in(token_url) not in (None, account.lower()):
            raise ConfigurationError(
                f"{_names['token_url']}={token_url!r} belongs to another account than "
                f"{_names['account']}={account!r}; drop one of them.",
                setting=_names["token_url"],
            )
        assert client_id and client_secret  # _check_present
        return cls(
            client_id=client_id,
            client_secret=client_secret,
            base_url=base_url,
            token_url=token_url,
            account=account,
            region=region_key,
        )


#: How to work without an account, said wherever credentials are missing.
OFFLINE_HINT = ("Or work offline against the emulator: "
                "`with xp.Emulator() as emu: xp.connect(**emu.credentials)`.")


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``EXPLORE_ACCOUNT``, ``EXPLORE_REGION``, ``EXPLORE_CLIENT_ID``,
    ``EXPLORE_CLIENT_SECRET``, ``EXPLORE_BASE_URL`` and ``EXPLORE_TOKEN_URL``.

    Empty variables count as unset. Errors name the variable to fix; when some
    are missing, the error names all of them at once (its ``missing``) and the
    offline way, the emulator.
    """
    env = os.environ if environ is None else environ
    values = {key: (env.get(name) or "").strip() or None for key, name in ENV_NAMES.items()}
    try:
        return Settings.resolve(_names=ENV_NAMES, **values)
    except ConfigurationError as error:
        if not getattr(error, "missing", None):
            raise
        raise error.with_message(f"{error.message} {OFFLINE_HINT}") from None


def _check_present(client_id: str | None, client_secret: str | None, account: str | None,
                   token_url: str | None, names: Mapping[str, str]) -> None:
    """Every missing credential named in one error (``missing`` lists them), not one per try."""
    needs = {
        "client_id": (client_id, "the OAuth client id of your Talkdesk client-credentials app"),
        "client_secret": (client_secret, "that client's secret"),
        "account": (account or token_url,
                    f"your Talkdesk account name (or set {names['token_url']} to the full token URL)"),
    }
    missing = [key for key, (value, _) in needs.items() if not value]
    if not missing:
        return
    what = "; ".join(f"{names[key]}: {needs[key][1]}" for key in missing)
    verb = "is" if len(missing) == 1 else "are"
    raise ConfigurationError(
        f"{_join([names[key] for key in missing])} {verb} missing. Set {what}.",
        setting=names[missing[0]], missing=[names[key] for key in missing],
    )


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _check_url(url: str, name: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_loopback_url(url):
        return  # the emulator, on this machine only
    if parts.scheme == "http":
        raise ConfigurationError(
            f"{name}={url!r} uses plain http to a non-loopback host; credentials and "
            "tokens would travel unencrypted. Use https (plain http is accepted only "
            "for localhost / 127.0.0.1 / ::1).",
            setting=name,
        )
    raise ConfigurationError(f"{name}={url!r} is not an http(s) URL.", setting=name)


def _region_of(url: str, attribute: str) -> str | None:
    host = urlsplit(url).hostname or ""
    for key, region in REGIONS.items():
        known = urlsplit(getattr(region, attribute).replace("{account}", "x")).hostname or ""
        suffix = known.split(".", 1)[1] if attribute == "token_url_template" else known
        if host == suffix or host.endswith("." + suffix):
            return key
    return None


def _check_region_agrees(
    region: str, base_url: str, token_url: str, names: Mapping[str, str]
) -> None:
    for key, attribute in (("base_url", "base_url"), ("token_url", "token_url_template")):
        url = base_url if key == "base_url" else token_url
        other = _region_of(url, attribute)
        if other is not None and other != region:
            raise ConfigurationError(
                f"{names[key]}={url!r} is a {other.upper()} host but "
                f"{names['region']}={region!r}; make them agree or drop {names['region']}.",
                setting=names[key],
            )


def _account_in(token_url: str) -> str | None:
    host = urlsplit(token_url).hostname or ""
    if _region_of(token_url, "token_url_template") is None:
        return None
    return host.split(".", 1)[0].lower()


# -- where each setting comes from: arguments, then EXPLORE_*, then a saved profile -------------

def resolve(*, profile: str | None = None, environ: Mapping[str, str] | None = None,
            **arguments: str | None) -> Settings:
    """:class:`Settings` from the arguments, then ``EXPLORE_*``, then a saved profile.

    See :func:`resolve_with_sources` for the order.
    """
    return resolve_with_sources(profile=profile, environ=environ, **arguments)[0]


def resolve_with_sources(*, profile: str | None = None, environ: Mapping[str, str] | None = None,
                         **arguments: str | None) -> tuple[Settings, dict[str, str]]:
    """Settings, and where each came from (``explore-pandas doctor`` shows it).

    Each setting comes from the first of: the keyword ``arguments``; the
    ``EXPLORE_*`` variables; the profile named by ``profile`` or
    ``EXPLORE_PROFILE``. With no profile named, the profile ``default`` fills in
    when it is saved and the arguments and variables do not already give a client
    id, a secret and an account (or token URL). A secret is taken only from a
    place whose client id (if it has one) is the client id in use.
    """
    env = os.environ if environ is None else environ
    given = {key: value for key, value in arguments.items() if value not in (None, "")}
    unknown = sorted(set(given) - set(_ARG_NAMES))
    if unknown:
        raise TypeError(f"unknown setting{'s' if len(unknown) > 1 else ''} {unknown}; known: {sorted(_ARG_NAMES)}")
    from_vars = {key: (env.get(name) or "").strip() for key, name in ENV_NAMES.items()}
    layers = [_Layer(_ARG_NAMES, dict(given), by_argument=True),
              _Layer(ENV_NAMES, {key: value for key, value in from_vars.items() if value})]
    saved = _profile_for(profile, env, complete=_complete(layers))
    if saved is not None:
        label = f"profile {saved.name!r}"
        layers.append(_Layer({key: f"{key} of {label}" for key in _ARG_NAMES}, saved.settings(), saved))
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    names: dict[str, str] = {}
    for key in _ARG_NAMES:
        found = _secret_layer(layers, values.get("client_id")) if key == "client_secret" else next(
            (layer for layer in layers if key in layer.values), None)
        if found is not None:
            values[key], names[key], sources[key] = found.take(key)
    fallback = _ARG_NAMES if given else ENV_NAMES
    for key in _ARG_NAMES:
        names.setdefault(key, fallback[key])
    try:
        settings = Settings.resolve(_names=names, **{key: values.get(key) for key in _ARG_NAMES})
    except ConfigurationError as error:
        if not getattr(error, "missing", None):
            raise
        raise error.with_message(f"{error.message} Or save a profile with `explore-pandas login`. "
                                 f"{OFFLINE_HINT}") from None
    region_table = f"the {settings.region.upper()} row of the regions table"
    sources.setdefault("region", "the default")
    sources.setdefault("base_url", region_table)
    sources.setdefault("token_url", f"{region_table}, with the account")
    return settings, sources


@dataclass(frozen=True)
class _Layer:
    """One place settings come from: its names for messages, its values, its profile if any."""

    names: Mapping[str, str]
    values: Mapping[str, str]
    profile: profiles.Profile | None = None
    by_argument: bool = False

    def take(self, key: str) -> tuple[str, str, str]:
        """(value, name for messages, source for doctor) of ``key``; a profile's secret is read now."""
        source = "argument" if self.by_argument else self.names[key]
        if key == "client_secret" and self.profile is not None:
            where = profiles.where(self.profile)
            return profiles.read_secret(self.profile), self.names[key], f"profile {self.profile.name!r} ({where})"
        return self.values[key], self.names[key], source


def _secret_layer(layers: list[_Layer], client_id: str | None) -> _Layer | None:
    """The first layer with a secret for ``client_id``: a secret belongs to its own client id."""
    for layer in layers:
        if layer.values.get("client_id", client_id) != client_id:
            continue
        if "client_secret" in layer.values or layer.profile is not None:
            return layer
    return None


def _profile_for(name: str | None, env: Mapping[str, str], *, complete: bool) -> profiles.Profile | None:
    """The profile named by ``name`` or ``EXPLORE_PROFILE`` (an error if not saved), else
    ``default`` when saved and the other layers are not ``complete``."""
    named = name if name is not None else (env.get(PROFILE_ENV) or "").strip() or None
    if named is None:
        return None if complete else profiles.load(profiles.DEFAULT_PROFILE)
    saved = profiles.load(profiles.check_name(named))
    if saved is None:
        known = ", ".join(profiles.names()) or "none yet"
        raise ConfigurationError(
            f"profile {named!r} is not saved in {profiles.config_file()} (saved: {known}); "
            f"create it with `explore-pandas login --profile {named}`.",
            setting=PROFILE_ENV if name is None else "profile",
        )
    return saved


def _complete(layers: list[_Layer]) -> bool:
    """Whether these layers already name a client id, a secret and an account (or token URL)."""
    merged: dict[str, str] = {}
    for layer in reversed(layers):
        merged.update(layer.values)
    return all(merged.get(key) for key in ("client_id", "client_secret")) and bool(
        merged.get("account") or merged.get("token_url"))
