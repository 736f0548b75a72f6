"""A faithful local emulator of Talkdesk's Explore API, for demos and tests.

It serves, on 127.0.0.1 from a background thread, the token endpoint, the
report-job endpoints, an S3-like storage host with signed expiring URLs and a
control API under ``/_emulator/``. Behaviour follows ``explore-api.md``: the
documented rules where they exist, the section 11 defaults where the real API
is unknown. Data are synthetic, seeded and deterministic.

Examples
--------
>>> from explore_pandas.emulator import Emulator
>>> with Emulator(seed=7, progression="immediate") as emu:
...     sorted(emu.credentials)
['base_url', 'client_id', 'client_secret', 'token_url']
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import weakref
from datetime import date, datetime, time, timezone
from importlib import resources
from pathlib import Path
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import pandas as pd

from explore_pandas import served
from explore_pandas.emulator import data
from explore_pandas.emulator.clock import Clock
from explore_pandas.emulator.faults import Fault
from explore_pandas.emulator.options import Options
from explore_pandas.emulator.server import EmulatorServer, tls_context
from explore_pandas.emulator.state import State
from explore_pandas.emulator.tokens import DEFAULT_SCOPES

__all__ = ["Clock", "Emulator", "Options"]

class _Credentials(TypedDict):
    """The keys of ``Emulator.credentials``: keyword arguments of ``Client`` and ``connect()``."""

    base_url: str
    token_url: str
    client_id: str
    client_secret: str


class Emulator:
    """The Explore API on loopback, with a controllable clock and fault injection.

    Parameters
    ----------
    seed : int
        Seed of the synthetic data: the same seed gives the same files, byte for byte.
    host, port : str, int
        Where to listen; port 0 (the default) picks a free port.
    tls : bool
        Serve HTTPS (TLS 1.2 minimum) with a bundled self-signed certificate for
        127.0.0.1/localhost; ``ca_file`` is the certificate to trust.
    account : str
        The emulated account name (it appears in token claims).
    client_id, client_secret : str
        The OAuth client registered with both Explore scopes; the secret is random by default.
    now : datetime, optional
        Start the clock at this instant instead of the real time.
    account_timezone : str
        The emulated account's IANA zone (default ``"Europe/Lisbon"``): the synthetic calls
        follow its business hours and weekdays. Report files still carry UTC datetimes.
    **settings
        Initial :class:`Options` (``progression``, ``fail_at``, ``row_limit``, ``rates``,
        ``layouts={"calls": "pre2026"}`` to serve the calls payload of before May 2026...).
        ``rates`` gives mean rows per day by report, except that the voice reports
        (calls, contacts, explore_calls, ring_attempts, user_status) are views of one
        simulated day of the account: one volume drives them all, the ``calls`` rate if
        given, else the first voice report's (see `data.voice_rate`), and the agents on duty
        scale with it below the default 1500 calls a day.

    Examples
    --------
    >>> with Emulator(progression={"polls": 3}) as emu:   # doctest: +SKIP
    ...     xp.connect(**emu.credentials)
    ...     emu.inject("status", status=503, endpoint="create")
    ...     emu.stats()["max_running"]
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        account: str = "demo",
        client_id: str = "explore-demo",
        client_secret: str | None = None,
        now: datetime | None = None,
        account_timezone: str = "Europe/Lisbon",
        **settings: Any,
    ) -> None:
        options = Options().replace(account_timezone=account_timezone, **settings)
        files = tempfile.mkdtemp(prefix="explore-emulator-")
        self._files_dir = Path(files)
        # Deleted by close(), or when the emulator is garbage-collected after a plain stop().
        self._remove_files = weakref.finalize(self, shutil.rmtree, files, ignore_errors=True)
        self.clock = Clock(now)
        self.state = State(seed=seed, account=account, options=options, clock=self.clock,
                           files_dir=Path(files))
        self.seed = seed
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.state.tokens.add_client(client_id, self.client_secret, DEFAULT_SCOPES)
        self._address = (host, port)
        self._tls = tls
        self._servers: list[tuple[EmulatorServer, threading.Thread]] = []

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve from daemon threads; returns self.

        Two listening sockets: the API (and token endpoint) on ``base_url``, and
        the storage host on another port, so that storage is another origin as
        S3 is for the real API: a client that follows redirects with
        ``requests`` drops its bearer token on the way there, as it would in
        production.
        """
        if self._servers:
            return self
        context = tls_context(*_bundled_cert()) if self._tls else None
        host, port = self._address
        scheme = "https" if self._tls else "http"
        for bind_port in (port, 0):
            server = EmulatorServer((host, bind_port), self.state, context)
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05},
                name=f"explore-emulator:{server.server_address[1]}", daemon=True,
            )
            self._servers.append((server, thread))
            thread.start()
        api_port = self._servers[0][0].server_address[1]
        storage_port = self._servers[1][0].server_address[1]
        self.state.base_url = f"{scheme}://{host}:{api_port}"
        self.state.storage_url = f"{scheme}://{host}:{storage_port}"
        served.register(self.state.base_url, self.ledger_directory)  # its jobs end with it: not in the user's ledger
        return self

    def stop(self) -> None:
        """Stop serving; jobs and files stay, and ``start()`` serves them again (on new ports
        unless a port was given)."""
        if self._servers:
            served.unregister(self.state.base_url)
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers = []

    def close(self) -> None:
        """Stop serving and delete the report files."""
        self.stop()
        self.state.jobs.close()
        self._remove_files()
        if hasattr(self, "_remove_ledger"):
            self._remove_ledger()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.state.base_url if self._servers else "not started"
        return f"Emulator({where}, seed={self.seed}, client_id={self.client_id!r})"

    # -- where and who ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if not self._servers:
            raise RuntimeError("the emulator is not started: use `with Emulator() as emu:` or emu.start()")
        return self.state.base_url

    @property
    def storage_url(self) -> str:
        """Origin of the storage host that signed download URLs point to (another port)."""
        self.base_url  # raises when not started
        return self.state.storage_url

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth/token"

    @property
    def credentials(self) -> _Credentials:
        """``base_url``, ``token_url``, ``client_id``, ``client_secret``: what ``connect()`` takes."""
        return {
            "base_url": self.base_url,
            "token_url": self.token_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    @property
    def ledger_directory(self) -> Path:
        """A folder for the client's job ledger of this emulator's jobs; deleted with the emulator.

        A pull in this process records its jobs here rather than in the user's
        ledger: they end with the emulator, and re-attaching works while it runs.
        """
        folder = self._files_dir.parent / f"{self._files_dir.name}-ledger"
        if not hasattr(self, "_remove_ledger"):
            folder.mkdir(mode=0o700, exist_ok=True)
            self._remove_ledger = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        return folder

    @property
    def ca_file(self) -> str | None:
        """With ``tls=True``, the certificate a client must trust (``verify=emu.ca_file``)."""
        return _bundled_cert()[0] if self._tls else None

    # -- control (the same as /_emulator/ over HTTP) ---------------------------------------

    @property
    def options(self) -> Options:
        return self.state.options

    def configure(self, **settings: Any) -> Options:
        """Change settings for the jobs created from now on; see :class:`Options`."""
        return self.state.configure(**settings)

    def reset(self) -> None:
        """Forget jobs, tokens, faults and counters; settings back to the constructor's."""
        self.state.reset()

    def inject(
        self,
        fault: str,
        *,
        count: int = 1,
        endpoint: str = "any",
        status: int | None = None,
        retry_after: float | None = None,
        delay: float | None = None,
    ) -> None:
        """Queue a fault for the next ``count`` requests on ``endpoint``; see :class:`Fault`."""
        self.state.faults.add(Fault(fault, endpoint, count, status, retry_after, delay))

    def revoke_tokens(self) -> None:
        """Every access token issued so far is refused from now on (401)."""
        self.state.tokens.revoke_all()

    def add_client(self, client_id: str, client_secret: str, scopes: tuple[str, ...] = DEFAULT_SCOPES) -> None:
        """Register another OAuth client with the given granted scopes."""
        self.state.tokens.add_client(client_id, client_secret, tuple(scopes))

    # -- ground truth ----------------------------------------------------------------------

    def jobs(self) -> list[dict[str, Any]]:
        """Every job created, oldest first, with its raw request and the rows it holds."""
        return [job.truth() for job in self.state.jobs.all()]

    def stats(self) -> dict[str, Any]:
        """Counters: jobs created, running, most ever running at once, requests, faults fired."""
        return self.state.stats()

    def count_rows(self, report: str, start: TimeLike, end: TimeLike, *, tz: str | None = None) -> int:
        """Rows the emulator holds for ``report`` over [start, end); the bounds as :meth:`truth` takes them."""
        begin, finish = instants(start, end, tz)
        rate = data.voice_rate(self.options.rates, report)
        return data.count_rows(report, begin, finish, seed=self.seed, rate=rate,
                               account_timezone=self.options.account_timezone)

    def truth(self, report: str, start: TimeLike, end: TimeLike, *, tz: str | None = None) -> pd.DataFrame:
        """The typed rows for ``report`` over [start, end), in time order: what files hold.

        ``start`` and ``end`` are what ``read_report`` takes: ISO strings, dates,
        datetimes or pandas Timestamps; naive values (and dates, at local
        midnight) are wall times in ``tz``, which defaults to the zone of two
        aware bounds, else UTC. Datetime columns are in UTC, as files hold them.

        >>> with Emulator() as emu:                                      # doctest: +SKIP
        ...     emu.truth("calls", "2026-11-01", "2026-11-02", tz="Europe/Lisbon")
        """
        begin, finish = instants(start, end, tz)
        rate = data.voice_rate(self.options.rates, report)
        return data.generate(report, begin, finish, seed=self.seed, rate=rate,
                             layout=self.options.layouts.get(report),
                             account_timezone=self.options.account_timezone)


TimeLike = str | date | datetime  # a pandas.Timestamp is a datetime


def instants(start: TimeLike, end: TimeLike, tz: str | None = None) -> tuple[datetime, datetime]:
    """Aware ``(start, end)`` from the time inputs ``read_report`` takes (see :meth:`Emulator.truth`)."""
    if tz is None:
        zones = {getattr(v.tzinfo, "key", None) for v in (start, end) if isinstance(v, datetime) and v.tzinfo}
        found = zones.pop() if len(zones) == 1 else None
        tz = found if isinstance(found, str) else "UTC"
    zone = ZoneInfo(tz)
    return _instant(start, zone, "start"), _instant(end, zone, "end")


def _instant(value: TimeLike, zone: ZoneInfo, name: str) -> datetime:
    moment: date
    if isinstance(value, str):
        text = value.strip()
        text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text  # Python 3.10 reads no "Z"
        try:
            moment = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{name}={value!r}: use an ISO 8601 date or date-time such as '2026-11-01' "
                             "or '2026-11-01T09:30:00'") from None
    elif isinstance(value, date):
        moment = value
    else:
        raise TypeError(f"{name}={value!r}: pass a str, date, datetime or pandas.Timestamp")
    if isinstance(moment, datetime):
        if isinstance(moment, pd.Timestamp):
            moment = moment.to_pydatetime(warn=False)
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment.replace(tzinfo=zone)
        return moment
    # a day: local midnight (the first instant of the day, also across a DST jump)
    return datetime.combine(moment, time(0), tzinfo=zone).astimezone(timezone.utc).astimezone(zone)


def _bundled_cert() -> tuple[str, str]:
    folder = resources.files("explore_pandas.emulator").joinpath("tls")
    return str(folder.joinpath("localhost.pem")), str(folder.joinpath("localhost-key.pem"))
