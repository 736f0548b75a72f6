"""Saved connection profiles: settings in ``config.toml``, the secret kept apart.

``explore-pandas login`` writes a profile; ``xp.connect(profile=...)``,
``Client(profile=...)``, ``EXPLORE_PROFILE`` and the command line's ``--profile``
read one (the order is :func:`explore_pandas.api.config.resolve_with_sources`'s).

- Non-secret settings (account, region, client id, URLs) live in ``config.toml`` in
  the user's config folder (``platformdirs``; ``~/.config/explore_pandas`` on Linux),
  read with ``tomllib`` and written whole with ``tomli-w`` (comments are not kept).
- The client secret lives in the OS keyring (``keyring``) when it has a usable
  backend (priority >= 1: macOS Keychain, Windows Credential Locker, Secret
  Service, KWallet), else in a 0600 file under the user's data folder
  (``~/.local/share/explore_pandas/secrets/<profile>`` on Linux, the folder 0700).
  Never in ``config.toml``, never in a repr or a log.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from explore_pandas.exceptions import ConfigurationError
from explore_pandas.files import write_atomically, write_text_atomically

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "DEFAULT_PROFILE",
    "KEYRING_SERVICE",
    "Profile",
    "config_file",
    "delete",
    "load",
    "names",
    "read_secret",
    "save",
    "secrets_folder",
    "selected",
    "where",
]

APP = "explore_pandas"
#: The keyring's "service" of every secret; the keyring's "username" is the profile name.
KEYRING_SERVICE = "explore_pandas"
DEFAULT_PROFILE = "default"
#: Names the saved profile to use; the same name as ``config.PROFILE_ENV``.
PROFILE_ENV = "EXPLORE_PROFILE"
#: The settings a profile keeps (never the secret).
FIELDS = ("account", "region", "client_id", "base_url", "token_url")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Profile:
    """One saved profile: where and as whom to connect, and where its secret is.

    ``secret_store`` is ``"keyring"`` or ``"file"``; the secret itself is read
    on demand by :func:`read_secret` and is never an attribute.
    """

    name: str
    client_id: str
    account: str | None = None
    region: str | None = None
    base_url: str | None = None
    token_url: str | None = None
    secret_store: str = field(default="keyring")

    def settings(self) -> dict[str, str]:
        """The non-empty settings, keyed like ``Client``'s arguments."""
        values = {key: getattr(self, key) for key in FIELDS}
        return {key: value for key, value in values.items() if value}


def check_name(name: str) -> str:
    """``name`` if it can name a profile (letters, digits, ``_ . -``), else ConfigurationError."""
    if not _NAME.match(name or ""):
        raise ConfigurationError(
            f"profile {name!r} is not a profile name: use letters, digits, '_', '.' or '-' "
            "(at most 64), e.g. 'default' or 'work'.",
            setting="profile",
        )
    return name


def config_file() -> Path:
    """``config.toml`` in the user's config folder (platformdirs)."""
    return platformdirs.user_config_path(APP, appauthor=False) / "config.toml"


def secrets_folder() -> Path:
    """Where secrets go when no OS keyring is usable (platformdirs' user data folder)."""
    return platformdirs.user_data_path(APP, appauthor=False) / "secrets"


# -- config.toml -----------------------------------------------------------------------------

def _read_config() -> dict[str, Any]:
    path = config_file()
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        why = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
        raise _bad_config(path, why) from None
    return document


def _bad_config(path: Path, why: str) -> ConfigurationError:
    return ConfigurationError(
        f"cannot read the profiles in {path}: {why}. Fix the file, or delete it and "
        "run `explore-pandas login` again.",
        setting="profile",
    )


def _profiles_table(document: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(document) - {"profiles"})
    if unknown:  # e.g. default_profile = "x": a setting this library would silently not follow
        raise _bad_config(config_file(), f"it has the unknown top-level key{'s' if len(unknown) > 1 else ''} "
                                         f"{', '.join(unknown)}: only [profiles.NAME] tables are read (choose a "
                                         "profile with --profile NAME or EXPLORE_PROFILE)")
    table = document.get("profiles", {})
    if not isinstance(table, dict):
        raise _bad_config(config_file(), f"'profiles' is a {type(table).__name__}, not a table of "
                                         "profiles ([profiles.NAME])")
    return table


def _check_entry(name: str, entry: Any) -> dict[str, Any]:
    """A profile's table in config.toml, once each key is known and each value is text."""
    path = config_file()
    if not isinstance(entry, dict):
        raise _bad_config(path, f"profiles.{name} is a {type(entry).__name__}, not a table ([profiles.{name}])")
    if "client_secret" in entry:
        raise _bad_config(path, f"profiles.{name} has a client_secret, and secrets never go in this file: "
                                "remove that line (rotate the secret if the file was shared), then run "
                                f"`explore-pandas login --profile {name}` to keep it in the keyring")
    unknown = sorted(set(entry) - {*FIELDS, "secret_store"})
    if unknown:
        raise _bad_config(path, f"profiles.{name} has unknown key{'s' if len(unknown) > 1 else ''} "
                                f"{', '.join(unknown)} (known: {', '.join(FIELDS)}, secret_store)")
    for key, value in entry.items():
        if not isinstance(value, str):
            raise _bad_config(path, f"profiles.{name}.{key} is {value!r}, not text in quotes")
    if entry.get("secret_store", "keyring") not in ("keyring", "file"):
        raise _bad_config(path, f"profiles.{name}.secret_store is {entry['secret_store']!r}, "
                                "not 'keyring' or 'file'")
    return entry


def names() -> list[str]:
    """The saved profiles' names, sorted."""
    return sorted(_profiles_table(_read_config()))


def selected(environ: Mapping[str, str] | None = None) -> str | None:
    """The profile a connection without arguments would use: ``EXPLORE_PROFILE``'s, else
    ``default`` when it is saved, else None."""
    env = os.environ if environ is None else environ
    named = (env.get(PROFILE_ENV) or "").strip()
    if named:
        return named
    return DEFAULT_PROFILE if DEFAULT_PROFILE in names() else None


def load(name: str) -> Profile | None:
    """The saved profile ``name``, or None."""
    table = _profiles_table(_read_config())
    if name not in table:
        return None
    entry = _check_entry(name, table[name])
    values = {key: str(entry[key]) for key in FIELDS if entry.get(key)}
    if "client_id" not in values:
        raise ConfigurationError(
            f"profile {name!r} in {config_file()} has no client_id: run "
            f"`explore-pandas login --profile {name}` again.",
            setting="profile",
        )
    store = str(entry.get("secret_store", "keyring"))
    client_id = values.pop("client_id")
    return Profile(name=name, client_id=client_id, secret_store=store, **values)


def _write_config(document: dict[str, Any]) -> None:
    text = "# explore_pandas profiles, written by `explore-pandas login`. Secrets are never here.\n"
    text += tomli_w.dumps(document)
    write_text_atomically(config_file(), text, mode=0o600)


# -- secrets ----------------------------------------------------------------------------------

def keyring_backend() -> Any | None:
    """The OS keyring backend when it is usable (keyring's "recommended": priority >= 1), else None."""
    import keyring
    from keyring.core import recommended

    try:
        backend = keyring.get_keyring()
        return backend if recommended(backend) else None
    except Exception:  # noqa: BLE001 - a backend whose detection fails (a bad keyringrc, a broken plugin) is not usable
        return None


def describe_keyring(backend: Any) -> str:
    """``"OS keyring (SecretService Keyring)"``: a backend's display name."""
    return f"OS keyring ({getattr(backend, 'name', type(backend).__name__)})"


def _secret_file(name: str) -> Path:
    return secrets_folder() / check_name(name)


def _store_secret(name: str, secret: str) -> str:
    """Store ``secret`` for profile ``name``; where: ``"keyring"`` or ``"file"``."""
    from keyring.errors import KeyringError

    backend = keyring_backend()
    if backend is not None:
        try:
            backend.set_password(KEYRING_SERVICE, name, secret)
        except KeyringError:
            pass  # locked, refused or no session bus: the file below
        else:
            _secret_file(name).unlink(missing_ok=True)  # a file from an earlier login
            return "keyring"
    folder = secrets_folder()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    target = _secret_file(name)
    write_atomically(target, lambda path: Path(path).write_text(secret, encoding="utf-8"), mode=0o600)
    return "file"


def read_secret(profile: Profile) -> str:
    """The secret of ``profile``, from where :func:`save` put it; ConfigurationError if gone."""
    from keyring.errors import KeyringError

    relogin = f"run `explore-pandas login --profile {profile.name}` again"
    if profile.secret_store == "file":
        secret = _read_secret_file(profile.name, relogin)
        where = f"file {_secret_file(profile.name)}"
    else:
        backend = keyring_backend()
        if backend is None:
            raise ConfigurationError(
                f"the secret of profile {profile.name!r} is in the OS keyring, which is not "
                f"usable here: {relogin} (without a keyring it goes to a 0600 file).",
                setting="profile",
            )
        try:
            secret = backend.get_password(KEYRING_SERVICE, profile.name) or ""
        except KeyringError as error:
            raise ConfigurationError(
                f"cannot read the secret of profile {profile.name!r} from the "
                f"{describe_keyring(backend)}: {type(error).__name__}. Unlock it, or {relogin}.",
                setting="profile",
            ) from None
        where = describe_keyring(backend)
    if not secret:
        raise ConfigurationError(
            f"profile {profile.name!r} has no secret in the {where}: {relogin}.", setting="profile"
        )
    return secret


def _read_secret_file(name: str, relogin: str) -> str:
    """The secret file's text, stripped like login strips a typed secret; refused when others can read it."""
    target = _secret_file(name)
    try:
        _check_private(target, relogin)
        return target.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as error:
        why = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror or str(error)
        raise ConfigurationError(f"cannot read the secret of profile {name!r} in {target}: {why}. Fix the "
                                 f"file, or {relogin}.", setting="profile") from None


def _check_private(target: Path, relogin: str) -> None:
    """ssh's rule: a secret file or its folder that others can use is refused, with the chmod that fixes it."""
    if os.name != "posix":
        return
    for path, mode in ((target.parent, 0o700), (target, 0o600)):
        bits = path.stat().st_mode & 0o777
        if bits & 0o077:
            raise ConfigurationError(
                f"{path} is not private (mode {bits:o}): other users can "
                f"{'read' if path == target else 'list'} it. Run `chmod {mode:o} {path}`, or {relogin}.",
                setting="profile")


def save(profile: Profile, secret: str) -> Profile:
    """Store the secret (keyring, else a 0600 file), then the settings in ``config.toml``.

    Returns the profile as saved (its ``secret_store`` set); :func:`where` says where that is.
    """
    check_name(profile.name)
    if not secret:
        raise ConfigurationError("the client secret is empty.", setting="client_secret")
    store = _store_secret(profile.name, secret)
    saved = replace(profile, secret_store=store)
    document = _read_config()
    table = _profiles_table(document)
    entry: dict[str, Any] = {key: getattr(saved, key) for key in FIELDS if getattr(saved, key)}
    entry["secret_store"] = store
    table[saved.name] = entry
    document["profiles"] = table
    _write_config(document)
    return saved


def where(profile: Profile) -> str:
    """Where the secret of ``profile`` is kept, in words (no secret)."""
    if profile.secret_store == "file":
        return f"file {_secret_file(profile.name)}"
    backend = keyring_backend()
    return describe_keyring(backend) if backend is not None else "OS keyring"


def delete(name: str) -> list[str]:
    """Remove profile ``name``: its secret wherever it is (keyring and file), then its settings.

    Returns where something was removed, in words; empty when nothing was saved.
    """
    from keyring.errors import KeyringError

    check_name(name)
    removed: list[str] = []
    backend = keyring_backend()
    if backend is not None:
        try:
            if backend.get_password(KEYRING_SERVICE, name) is not None:
                backend.delete_password(KEYRING_SERVICE, name)
                removed.append(f"the secret from the {describe_keyring(backend)}")
        except KeyringError:
            pass  # nothing there, or the keyring refuses: the file may still hold it
    target = _secret_file(name)
    if target.exists():
        target.unlink()
        removed.append(f"the secret file {target}")
    document = _read_config()
    table = _profiles_table(document)
    if name in table:
        del table[name]
        document["profiles"] = table
        _write_config(document)
        removed.append(f"the settings from {config_file()}")
    return removed
