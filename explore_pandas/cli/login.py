"""``explore-pandas login`` and ``logout``: save a profile (the secret in the OS keyring), remove it.

``login`` asks for what is missing (the secret hidden, never echoed) or takes it
all as options for scripts (``--secret-stdin`` reads the secret from standard
input, so it stays out of the shell history), checks the credentials by fetching
a token, and only then saves them. Nothing here prints the secret or a token.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any, TextIO

__all__ = ["add_parsers", "login", "logout"]

FILE_NOTE = " (readable by you only; no usable OS keyring)"
#: The option that names each setting in error messages.
OPTION_NAMES = {
    "account": "--account",
    "region": "--region",
    "client_id": "--client-id",
    "client_secret": "the client secret",
    "base_url": "--base-url",
    "token_url": "--token-url",
}


def add_parsers(commands: Any) -> None:
    """Register ``login`` and ``logout`` on the main parser's subcommands."""
    login_parser = commands.add_parser(
        "login", help="save a profile: account, region, client id, and the secret in the OS keyring",
        description="Save a profile. Asks for what the options do not give (the secret hidden), checks "
                    "the credentials by fetching a token, then stores the secret in the OS keyring (or "
                    "a 0600 file when there is none) and the rest in config.toml.",
        epilog="""examples:
  explore-pandas login                                   asks for everything, saves profile 'default'
  explore-pandas login --profile work --account acme --region eu --client-id ID --secret-stdin < secret.txt
""", formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _profile_option(login_parser)
    login_parser.add_argument("--account", help="your Talkdesk account name (https://<account>.talkdeskid.com)")
    login_parser.add_argument("--region", help="us (default), eu, ca or au")
    login_parser.add_argument("--client-id", dest="client_id", help="the OAuth client's id")
    login_parser.add_argument("--base-url", dest="base_url", help="the API's URL, instead of the region's")
    login_parser.add_argument("--token-url", dest="token_url", help="the token URL, instead of the region's")
    login_parser.add_argument("--secret-stdin", dest="secret_stdin", action="store_true",
                              help="read the client secret from standard input (one line)")
    login_parser.set_defaults(run=lambda args: login(args))
    logout_parser = commands.add_parser(
        "logout", help="remove a saved profile and its secret (keyring or file)",
        description="Remove a profile: its secret from the OS keyring or its file, and its settings.",
    )
    _profile_option(logout_parser)
    logout_parser.set_defaults(run=lambda args: logout(args))


def _profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", dest="profile", default=None, metavar="NAME",
                        help="the profile's name (default: $EXPLORE_PROFILE, else 'default')")


def chosen_profile(args: argparse.Namespace) -> str:
    """The profile a command is about: its ``--profile``, the global one, ``EXPLORE_PROFILE``, ``default``."""
    from explore_pandas.api.config import PROFILE_ENV
    from explore_pandas.api.profiles import DEFAULT_PROFILE

    for given in (getattr(args, "profile", None), getattr(args, "global_profile", None)):
        if given is not None:  # typed, even empty: '' is not a profile name, never the default
            return str(given)
    return os.environ.get(PROFILE_ENV, "").strip() or DEFAULT_PROFILE


def login(args: argparse.Namespace, *, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Ask, check with a token, save; 0 when saved, 1 when the check failed (nothing saved)."""
    from explore_pandas.api import profiles
    from explore_pandas.api.config import Settings

    stdin, out = stdin or sys.stdin, out or sys.stdout
    name = profiles.check_name(chosen_profile(args))
    known = profiles.load(name) if name in profiles.names() else None
    interactive = stdin.isatty() and not args.secret_stdin
    values = {key: getattr(args, key, None) for key in ("account", "region", "client_id", "base_url", "token_url")}
    if interactive:  # what a saved profile had is offered as the default answer
        _ask(values, known, stdin, out)
    # every setting but the secret checked before the secret is asked for (a bad account says so first)
    Settings.resolve(_names=OPTION_NAMES, client_secret="not asked yet", **values)
    secret = _read_secret(args, stdin, interactive, values.get("client_id"))
    settings = Settings.resolve(_names=OPTION_NAMES, client_secret=secret, **values)
    print(f"Checking client {settings.client_id!r} at {settings.token_url} ...", file=out)
    problem = _check(settings)
    if problem is not None:
        print(f"explore-pandas: login failed, nothing saved: {problem}", file=sys.stderr)
        return 1
    profile = profiles.Profile(name=name, **{k: v for k, v in values.items() if k != "client_id" and v},
                               client_id=settings.client_id)
    saved = profiles.save(profile, secret)
    print(f"Logged in: profile {name!r} ({settings.account or settings.token_url}, region "
          f"{settings.region}, client {settings.client_id!r}).\n"
          f"  secret:   {profiles.where(saved)}{FILE_NOTE if saved.secret_store == 'file' else ''}\n"
          f"  settings: {profiles.config_file()}\n"
          f"Next: explore-pandas doctor{'' if name == profiles.DEFAULT_PROFILE else ' --profile ' + name}",
          file=out)
    return 0


def _ask(values: dict[str, Any], known: Any, stdin: TextIO, out: TextIO) -> None:
    prompts = {
        "account": "Talkdesk account name (the <account> of https://<account>.talkdeskid.com)",
        "region": "Region: us, eu, ca or au",
        "client_id": "OAuth client id",
    }
    defaults = {"region": "us"}
    for key, prompt in prompts.items():
        if values.get(key) or (key == "account" and values.get("token_url")):
            continue
        if key == "region" and values.get("base_url") and values.get("token_url"):
            continue  # both URLs given: the region names neither
        default = (getattr(known, key, None) if known is not None else None) or defaults.get(key)
        values[key] = _answer(f"{prompt}{f' [{default}]' if default else ''}: ", default, stdin, out)


def _answer(prompt: str, default: str | None, stdin: TextIO, out: TextIO, tries: int = 3) -> str | None:
    """The answer to a required question, asked again when it is left empty (None at the end of input)."""
    for _ in range(tries):
        print(prompt, end="", file=out, flush=True)
        line = stdin.readline()
        if not line:  # end of input: the settings check names what is missing
            return default
        answer = line.strip() or default
        if answer:
            return answer
        print("  (needed: type it, or Ctrl-C to stop)", file=out, flush=True)
    return None


def _read_secret(args: argparse.Namespace, stdin: TextIO, interactive: bool, client_id: str | None) -> str:
    from explore_pandas.exceptions import ConfigurationError

    if args.secret_stdin:
        secret = stdin.readline().rstrip("\r\n")
    elif interactive:
        secret = getpass.getpass("Client secret (hidden): ")
    else:
        raise ConfigurationError(
            "the client secret is missing: standard input is not a terminal to ask it on, so "
            "pass --secret-stdin and give it on standard input.", setting="client_secret")
    if not secret.strip():
        where = ("--secret-stdin read an empty first line: give the secret as the first line of standard input, "
                 "e.g. --secret-stdin < secret.txt" if args.secret_stdin else
                 "type or paste it at the prompt (it is not shown)")
        raise ConfigurationError(f"the client secret is empty: {where}. It is the secret of the OAuth client "
                                 f"{client_id!r} that you created in Talkdesk.", setting="client_secret")
    return secret.strip()


def _check(settings: Any) -> str | None:
    """None when Talkdesk ID gives a token for these credentials, else what went wrong (no secret)."""
    from explore_pandas.api.auth import TokenSource
    from explore_pandas.api.doctor import mixup_hint, refused_credentials, tls_failure
    from explore_pandas.api.retry import RetryPolicy
    from explore_pandas.api.transport import Transport
    from explore_pandas.exceptions import AuthenticationError, ExploreError, TransportError

    transport = Transport(timeout=(5.0, 15.0), retry=RetryPolicy(max_retries=1))
    try:
        TokenSource(settings, transport).get()
    except AuthenticationError as error:  # the token URL answered: it refused these credentials
        missing = _missing_scopes(transport, settings) if error.code == "invalid_scope" else None
        what, fix = refused_credentials(settings, error, missing)
        return f"{what}; fix: {fix}."
    except TransportError as error:
        if str(error).startswith("TLS failed"):
            return tls_failure(settings.token_url, str(error), transport.verify) + "."
        return f"no answer from {settings.token_url}; fix: {mixup_hint(settings, settings.token_url)}."
    except ExploreError as error:
        return f"{error}. {mixup_hint(settings, settings.token_url).capitalize()}."
    finally:
        transport.close()
    return None


def _missing_scopes(transport: Any, settings: Any) -> list[str] | None:
    """The scopes the client lacks, asked as doctor asks (a token without ``scope`` lists those granted)."""
    from explore_pandas.api import probes
    from explore_pandas.api.config import SCOPES
    from explore_pandas.exceptions import ExploreError

    try:
        granted = probes.fetch_scopes(transport, settings)
    except ExploreError:
        return None
    return None if granted.scopes is None else [s for s in SCOPES if s not in granted.scopes] or None


def logout(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Remove the profile's secret (keyring and file) and its settings; 0, or 1 when none was saved."""
    from explore_pandas.api import profiles

    out = out or sys.stdout
    name = profiles.check_name(chosen_profile(args))
    removed = profiles.delete(name)
    if not removed:
        print(f"No profile {name!r} was saved (saved: {', '.join(profiles.names()) or 'none'}).", file=out)
        return 1
    print(f"Logged out of profile {name!r}: removed " + ", ".join(removed) + ".", file=out)
    return 0
