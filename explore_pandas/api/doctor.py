"""``explore-pandas doctor`` and ``xp.doctor()``: every first-contact check, as data.

One :class:`Check` per line, in this order: the settings and where each came
from; DNS; TLS (and its version); the clock against the server's ``Date``; a
token; the scopes granted; a harmless API call and the job slots in use; the
proxy and CA bundle in effect. A check that cannot run because an earlier one
failed is ``skipped``, so a broken setup shows one ✗: the first thing to fix.
No check returns a secret or a token.
"""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from explore_pandas.api import config, probes
from explore_pandas.api.auth import refusal_fix
from explore_pandas.api.retry import RetryPolicy
from explore_pandas.api.transport import Transport
from explore_pandas.exceptions import (
    AuthenticationError,
    ConfigurationError,
    ExploreError,
    ForbiddenError,
    NotFoundError,
)
from explore_pandas.reports import REPORT_TYPES
from explore_pandas.spec import ACCOUNT_QUOTA

__all__ = ["CLOCK_TOLERANCE", "Check", "doctor", "format_check", "mixup_hint", "refused_credentials", "run_checks",
           "tls_failure", "tls_fix"]

#: Seconds of clock difference with the server that doctor accepts (``Date`` has 1 s steps).
CLOCK_TOLERANCE = 60.0
#: Doctor's own requests: short timeouts, no retries (a slow answer is itself a finding).
DOCTOR_TIMEOUT = (5.0, 15.0)
SYMBOLS = {True: "✓", False: "✗", None: "-"}
ASCII_SYMBOLS = {True: "ok", False: "FAIL", None: "skip"}


@dataclass(frozen=True)
class Check:
    """One line of doctor: its name, whether it passed (None: skipped), what it saw, the fix."""

    name: str
    passed: bool | None
    detail: str
    fix: str = ""


def format_check(check: Check, *, ascii_only: bool = False) -> str:
    """``"✗ scopes    granted: ...  fix: ..."``: one line."""
    symbol = (ASCII_SYMBOLS if ascii_only else SYMBOLS)[check.passed]
    line = f"{symbol} {check.name:<8} {check.detail}"
    return f"{line}  fix: {check.fix}" if check.fix and check.passed is False else line


def doctor(profile: str | None = None, **options: Any) -> Any:
    """Run every first-contact check; a DataFrame with a row per check.

    Columns: ``check``, ``status`` (✓, ✗ or - for skipped), ``detail``, ``fix``.
    Takes what :func:`explore_pandas.connect` takes (``profile``, ``account``,
    ``region``, ``client_id``, ``client_secret``, ``base_url``, ``token_url``,
    ``verify``). Without any, it checks the kernel's client, the one
    ``xp.connect(...)`` made (``xp.connect(profile="work")``'s account, say), or
    the one ``EXPLORE_*`` and the profiles give. It never shows a secret or a token.

    Examples
    --------
    >>> xp.connect(profile="work")  # doctest: +SKIP
    >>> xp.doctor()                 # doctest: +SKIP
    """
    import pandas as pd

    if profile is None and not options:
        from explore_pandas.api.client import get_client

        try:
            client = get_client()  # the connected one; else connects as any call would
        except ConfigurationError:
            client = None  # run_checks says what is missing, on the settings line
        if client is not None:
            options = {"settings": client.settings, "verify": client.verify}
    rows = run_checks(profile=profile, **options)
    return pd.DataFrame([{"check": c.name, "status": SYMBOLS[c.passed], "detail": c.detail, "fix": c.fix}
                         for c in rows], columns=["check", "status", "detail", "fix"])


def run_checks(
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    verify: bool | str = True,
    timeout: tuple[float, float] = DOCTOR_TIMEOUT,
    resolver: probes.Resolver = socket.getaddrinfo,
    settings: config.Settings | None = None,
    **arguments: str | None,
) -> list[Check]:
    """The checks, in order; see the module's docstring. ``settings`` checks a client's own (``xp.doctor()``)."""
    try:
        if settings is None:
            settings, sources = config.resolve_with_sources(profile=profile, environ=environ, **arguments)
        else:
            sources = {key: "the connected client" for key in ("account", "region", "client_id", "client_secret",
                                                               "base_url", "token_url")}
    except ConfigurationError as error:
        missing = bool(getattr(error, "missing", None))  # else the message has its own fix (a file, a name)
        return [Check("settings", False, str(error),
                      "run `explore-pandas login` to save a profile, or set EXPLORE_ACCOUNT, "
                      "EXPLORE_CLIENT_ID and EXPLORE_CLIENT_SECRET" if missing else ""),
                *(Check(name, None, "skipped: no settings") for name in _NETWORK_CHECKS),
                _proxy_check(None, verify)]
    checks = [_settings_check(settings, sources)]
    urls = {"api": settings.base_url, "token": settings.token_url}
    dns, resolved = _dns_check(settings, urls, resolver)
    checks.append(dns)
    transport = Transport(timeout=timeout, retry=RetryPolicy(max_retries=0), verify=verify)
    unreachable: dict[str, str] = {}
    try:
        tls, answers = _tls_check(transport, urls, resolved, verify, unreachable)
        checks += [tls, _clock_check(answers, urls)]
        token, granted = _token_check(transport, settings, answers)
        checks.append(token)
        scopes = _scopes_check(settings, granted)
        checks += [scopes, _api_check(settings, verify, timeout, ready=scopes.passed is True)]
    finally:
        transport.close()
    checks.append(_proxy_check(urls, verify, unreachable))
    return checks


_NETWORK_CHECKS = ("dns", "tls", "clock", "token", "scopes", "api")


def _settings_check(settings: config.Settings, sources: Mapping[str, str]) -> Check:
    parts = [
        f"account {settings.account} ({sources.get('account')})" if settings.account else None,
        f"region {settings.region} ({sources.get('region')})",
        f"client id {settings.client_id!r} ({sources.get('client_id')})",
        f"secret from {sources.get('client_secret')}",
        f"API {settings.base_url} ({sources.get('base_url')})",
        f"token URL {settings.token_url} ({sources.get('token_url')})",
    ]
    return Check("settings", True, "; ".join(p for p in parts if p))


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def mixup_hint(settings: config.Settings, url: str) -> str:
    """What a wrong account or region looks like, naming the host that was tried."""
    host = _host(url)
    if config.is_loopback_url(url):
        return f"check that the emulator or proxy at {probes.origin(url)} is running"
    if url == settings.token_url and settings.account:
        others = ", ".join(r.token_url(settings.account).split("/")[2] for k, r in config.REGIONS.items()
                           if k != settings.region)
        return (f"check the account name and the region: {host} is the {settings.region.upper()} "
                f"token host of account {settings.account!r} (other regions: {others})")
    return f"check the region (the {settings.region.upper()} API host {host} was tried) and the network"


def _dns_check(settings: config.Settings, urls: Mapping[str, str],
               resolver: probes.Resolver) -> tuple[Check, set[str]]:
    seen, failed, resolved = [], [], set()
    hosts: dict[str, list[str]] = {}
    for url in urls.values():
        hosts.setdefault(_host(url), []).append(url)
    for url in (group[0] for group in hosts.values()):
        try:
            addresses = probes.resolve_host(url, resolver)
        except OSError as error:
            if probes.proxy_for(url):
                seen.append(f"{_host(url)} left to the proxy")
                resolved.add(url)
            else:
                failed.append((url, getattr(error, "strerror", None) or str(error)))
            continue
        seen.append(f"{_host(url)} -> {', '.join(addresses[:3])}")
        resolved.update(hosts[_host(url)])
    if failed:
        detail = "; ".join(f"{_host(url)} does not resolve ({why})" for url, why in failed)
        tried = [url for url, _ in failed]
        hint = settings.token_url if settings.token_url in tried else tried[0]
        return Check("dns", False, detail, mixup_hint(settings, hint)), resolved
    return Check("dns", True, "; ".join(seen)), resolved


def _tls_check(transport: Transport, urls: Mapping[str, str], resolved: set[str], verify: bool | str,
               unreachable: dict[str, str]) -> tuple[Check, dict[str, probes.Answer]]:
    """The TLS line; a proxy that did not answer goes into ``unreachable`` (proxy -> why), for the proxy line."""
    answers: dict[str, probes.Answer] = {}
    seen, failures, no_bundle = [], [], False
    for origin in dict.fromkeys(probes.origin(u) for u in urls.values() if u in resolved):
        try:
            answer = probes.probe(transport, origin)
        except ConfigurationError:  # the CA bundle is unusable: the proxy line says so, with its fix
            no_bundle = True
            continue
        except ExploreError as error:
            proxy = probes.proxy_for(origin)
            if proxy is not None and getattr(error, "failure", None) == "ProxyError":
                unreachable[proxy] = _proxy_reason(str(error))
            else:
                failures.append((origin, str(error)))
            continue
        answers[origin] = answer
        if answer.tls_version is None:
            seen.append(f"{_host(origin)}: plain http (loopback only: no TLS)")
        else:
            seen.append(f"{_host(origin)}: {answer.tls_version}")
    if failures:
        origin, why = failures[0]
        detail = "; ".join(f"{_host(o)}: {_reason(w).split(': check that the server')[0]}" for o, w in failures)
        return Check("tls", False, detail, tls_fix(origin, why, verify)), answers
    if not seen:
        why = ("no CA bundle to check certificates with (see the proxy line)" if no_bundle else
               "the proxy did not answer (see the proxy line)" if unreachable else "no host resolved")
        return Check("tls", None, f"skipped: {why}"), answers
    return Check("tls", True, "; ".join(seen)), answers


def tls_fix(url: str, why: str, verify: bool | str) -> str:
    """What to do about a TLS failure (``why``, the error's text) with ``url``'s host."""
    _, source = probes.ca_bundle(verify)
    if "CERTIFICATE_VERIFY_FAILED" in why or "certificate verify failed" in why:
        return (f"the certificate of {_host(url)} is not trusted by the CA bundle in use "
                f"({source}): behind a TLS-inspecting proxy, point REQUESTS_CA_BUNDLE at your "
                "company's CA bundle")
    if "PROTOCOL" in why.upper() or "VERSION" in why.upper():
        return "the server or a proxy offers TLS below 1.2; the Explore API requires TLS 1.2 or newer"
    return "check the network, the firewall and the proxy (HTTPS_PROXY, NO_PROXY)"


def tls_failure(url: str, why: str, verify: bool | str) -> str:
    """A TLS failure in one line: the host, OpenSSL's reason, and the fix (login says it as doctor does)."""
    return f"{_host(url)}: {_reason(why)}; fix: {tls_fix(url, why, verify)}"


def _proxy_reason(message: str) -> str:
    """Why a proxy did not answer, from requests' ProxyError text."""
    found = re.search(r"(Connection refused|Name or service not known|timed out|No route to host"
                      r"|Temporary failure in name resolution)", message, re.IGNORECASE)
    return found.group(1).capitalize() if found else "no answer"


def _reason(message: str) -> str:
    """The OpenSSL reason of a TLS failure ("certificate verify failed: ..."), else the message."""
    found = (re.search(r"\[SSL: [A-Z0-9_]+\] ([^(]+?)\s*\(_ssl", message)
             or re.search(r"^TLS failed for \S+ \S+: (.+?) \([A-Z0-9_]+\)", message))
    return f"TLS failed: {found.group(1)}" if found else message


def _clock_check(answers: Mapping[str, probes.Answer], urls: Mapping[str, str]) -> Check:
    ordered = [answers[o] for o in (probes.origin(urls["api"]), probes.origin(urls["token"])) if o in answers]
    dated = [a for a in ordered if a.server_date is not None]
    if not dated:
        return Check("clock", None, "skipped: no server answered with a Date header")
    answer = dated[0]
    assert answer.server_date is not None
    skew = (answer.received_at - answer.server_date).total_seconds()  # > 0: we are ahead
    if abs(skew) <= CLOCK_TOLERANCE:
        return Check("clock", True, f"within {CLOCK_TOLERANCE:.0f} s of {_host(answer.url)}'s clock "
                                    f"(its Date header; {skew:+.0f} s)")
    way = "ahead of" if skew > 0 else "behind"
    return Check(
        "clock", False,
        f"this computer's clock is {_duration(abs(skew))} {way} {_host(answer.url)}'s (its Date header)",
        "turn on network time (NTP) on this computer; "
        + ("with a clock ahead, the API refuses a report end it sees as in the future" if skew > 0 else
           "with a clock behind, a token looks valid after it expired and the newest data is left out of "
           "ranges that end now"),
    )


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _token_check(transport: Transport, settings: config.Settings,
                 answers: Mapping[str, probes.Answer]) -> tuple[Check, probes.Granted | None]:
    if probes.origin(settings.token_url) not in answers:
        return Check("token", None, f"skipped: {_host(settings.token_url)} not reachable"), None
    try:
        granted = probes.fetch_scopes(transport, settings)
    except AuthenticationError as error:
        detail, fix = refused_credentials(settings, error)
        return Check("token", False, detail, fix + " (`explore-pandas login` saves them again)"), None
    except ExploreError as error:
        return Check("token", False, f"no token from {settings.token_url}: {error}",
                     mixup_hint(settings, settings.token_url)), None
    life = f", valid {granted.expires_in:.0f} s" if granted.expires_in else ""
    return Check("token", True, f"fetched from {_host(settings.token_url)}{life} (not shown)"), granted


def refused_credentials(settings: config.Settings, error: AuthenticationError,
                        missing: list[str] | None = None) -> tuple[str, str]:
    """``(what, fix)`` when the token URL refused: it names the URL, the account, and the fix fitted to why
    (``missing``: the scopes the client lacks, when known)."""
    account = f" (account {settings.account!r})" if settings.account else ""
    what = (f"{settings.token_url}{account} refused client {settings.client_id!r} "
            f"({error.status} {error.code or ''}".rstrip() + ")")
    fix = refusal_fix(error, settings.scopes, missing)
    if error.code != "invalid_scope" and not config.is_loopback_url(settings.token_url):
        fix += "; " + mixup_hint(settings, settings.token_url)
    return what, fix


def _scopes_check(settings: config.Settings, granted: probes.Granted | None) -> Check:
    if granted is None:
        return Check("scopes", None, "skipped: no token")
    if granted.scopes is None:
        return Check("scopes", None, "the token answer lists no scopes: cannot tell")
    missing = [s for s in config.SCOPES if s not in granted.scopes]
    if missing:
        why = {"data-reports:read": "to read jobs and files", "data-reports:write": "to create jobs"}
        return Check(
            "scopes", False,
            f"granted: {' '.join(granted.scopes) or 'none'}; missing: "
            + ", ".join(f"{s} ({why[s]})" for s in missing),
            f"add {' and '.join(missing)} to OAuth client {settings.client_id!r} in Talkdesk; "
            "new scopes take a few minutes to work",
        )
    return Check("scopes", True, "data-reports:read and data-reports:write granted")


def _api_check(settings: config.Settings, verify: bool | str, timeout: tuple[float, float],
               *, ready: bool) -> Check:
    if not ready:
        return Check("api", None, "skipped: needs a token with both scopes")
    from explore_pandas.api.client import Client

    with Client(settings=settings, verify=verify, timeout=timeout, max_retries=0) as client:
        first = f"{settings.base_url}/data/reports/calls/jobs"
        try:
            active = _active_jobs(client)
        except NotFoundError:  # the job list is unofficial: prove the API with a made-up job
            try:
                client.get_job(str(uuid.uuid4()), "calls")
            except NotFoundError:
                return Check("api", True, f"{settings.base_url} answered (404 for a made-up job, as "
                                          "expected); job slots in use: unknown (no job list here)")
            except ExploreError as error:
                return _api_failure(settings, error)
            return Check("api", True, f"{settings.base_url} answered")
        except ExploreError as error:
            return _api_failure(settings, error)
    return Check("api", True, f"GET {first} answered; job slots in use: {active} of {ACCOUNT_QUOTA}")


def _active_jobs(client: Any) -> int:
    """Jobs queued or running, across report types (the first page of each list)."""
    active = 0
    for position, slug in enumerate(REPORT_TYPES):
        try:
            jobs = list(client.list_jobs(slug, max_pages=1))
        except NotFoundError:
            if position == 0:
                raise
            continue  # a guessed report type this account does not have
        active += sum(1 for job in jobs if job.status.is_active)
    return active


def _api_failure(settings: config.Settings, error: ExploreError) -> Check:
    if isinstance(error, ForbiddenError):
        return Check("api", False, f"{settings.base_url} refused the token (403): {error}",
                     f"give OAuth client {settings.client_id!r} the scopes {' and '.join(config.SCOPES)}")
    if isinstance(error, AuthenticationError):
        return Check("api", False, f"{settings.base_url} refused the token (401)",
                     "the token is from another account or region than this API host: "
                     + mixup_hint(settings, settings.base_url))
    return Check("api", False, f"{settings.base_url}: {error}", mixup_hint(settings, settings.base_url))


def _proxy_check(urls: Mapping[str, str] | None, verify: bool | str,
                 unreachable: Mapping[str, str] | None = None) -> Check:
    path, source = probes.ca_bundle(verify)
    proxies = sorted({f"{_host(u)} via {p}" for u in (urls or {}).values() if (p := probes.proxy_for(u))})
    via = "; ".join(proxies) if proxies else "no proxy"
    bundle = f"CA bundle {path} ({source})" if path else f"CA bundle: {source}"
    if unreachable:
        down = "; ".join(f"proxy {proxy} did not answer ({why})" for proxy, why in unreachable.items())
        return Check("proxy", False, f"{down}; {via}",
                     "start the proxy or correct its address in HTTPS_PROXY/HTTP_PROXY, or add the hosts "
                     "to NO_PROXY to go without it")
    problem = probes.ca_bundle_problem(path) if path is not None else None
    if problem is not None:
        return Check("proxy", False, f"{via}; {bundle}: {problem}",
                     f"point {source} at an existing CA bundle file, or unset it")
    if verify is False:
        return Check("proxy", False, f"{via}; {bundle}", "drop verify=False: TLS without checks is not safe")
    return Check("proxy", True, f"{via}; {bundle}")
