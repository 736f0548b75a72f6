"""Properties of create requests, against a live emulator over loopback.

- Any invalid request (unknown report, bad format, bad zone, unparsable dates,
  ``end <= start``, ``end`` in the future, a name over 256 characters, a bad
  ``on_row_limit`` or ``max_concurrency``) is refused by ``read_report`` and
  ``Client.create_job`` with ``ValidationError`` before a single HTTP request.
- Any valid single-window request (a known report type, a zone with daylight
  saving, a window in the last three years of at most 744 absolute hours, any
  format and name) is accepted by the emulator, which records the same instants
  as the client meant.

Cases that once exposed bugs are kept as tests at the end.
"""

from __future__ import annotations

import os
import string
import zoneinfo
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from explore_pandas.api.client import Client
from explore_pandas.emulator import Emulator
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import ValidationError
from explore_pandas.frames.limits import ON_ROW_LIMIT
from explore_pandas.pulls.plan import plan_pull
from explore_pandas.reports import REPORT_TYPES, report_type
from explore_pandas.spec import FORMATS

#: Zones with daylight saving (north and south, 30-minute and 45-minute offsets, midnight changes).
DST_ZONES = ["Europe/Lisbon", "Europe/London", "America/New_York", "America/Santiago", "America/Havana",
             "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham",
             "America/St_Johns", "Europe/Chisinau", "Asia/Beirut"]
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(seed=5, progression="immediate") as emu:
        yield emu


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> Iterator[Client]:
    with Client(**emulator.credentials, timeout=(5, 10)) as c:
        yield c


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _fresh(emu: Emulator) -> None:
    emu.reset()
    emu.clock.set(datetime.now(timezone.utc))


# -- invalid requests ------------------------------------------------------------------------

def _is_report(value: Any) -> bool:
    try:
        report_type(value)
    except ValidationError:
        return False
    return True


def _zone_roots() -> list[str]:
    roots = list(zoneinfo.TZPATH)
    try:
        from importlib import resources

        roots.append(str(resources.files("tzdata").joinpath("zoneinfo")))
    except ModuleNotFoundError:
        pass
    return roots


def _on_tz_path(name: str) -> bool:
    """A name the zoneinfo folders hold (system or tzdata: a zone, a directory, a non-IANA file)."""
    return bool(name.strip()) and any(os.path.exists(os.path.join(root, name)) for root in _zone_roots())


bad_reports = st.one_of(
    st.sampled_from(["call", "Calls Reports", "explore", "", " ", "audit-logs-v2", "../calls"]),
    st.text(max_size=30),
    st.integers(),
    st.none(),
).filter(lambda v: not _is_report(v))
bad_formats = st.one_of(
    st.sampled_from(["xml", "parquet", "xlsx", "", "json-bulk", "jsonl", "ndjson", "csv x",
                     None, 1]),
    st.text(max_size=12),
).filter(lambda v: not (isinstance(v, str) and v.strip().lower() in FORMATS))
bad_zones = st.one_of(
    st.sampled_from(["Mars/Olympus", "", " ", "Europe/", "Europe/Lisbonx", "UTC+1", "GMT+25", "CET/",
                     "Europe//Lisbon", "/Europe/Lisbon", "../../etc/passwd", "Lisbon"]),
    st.text(alphabet=string.ascii_letters + "/_-+ ", max_size=40),
).filter(lambda z: not _on_tz_path(z))  # names on the zone path: see the tests below
_digits = st.integers
bad_dates = st.one_of(
    st.builds("{:04d}-{:02d}-{:02d}".format, _digits(1990, 2030), _digits(13, 99), _digits(1, 28)),
    st.builds("{:04d}-{:02d}-{:02d}".format, _digits(1990, 2030), _digits(1, 12), _digits(32, 99)),
    st.builds("{:04d}-02-{:02d}".format, _digits(1990, 2030), _digits(30, 31)),
    st.builds("{:04d}-{:02d}-{:02d}T{:02d}:00:00".format, _digits(1990, 2030), _digits(1, 12),
              _digits(1, 28), _digits(25, 99)),
    st.sampled_from(["", "   ", "yesterday", "tomorrow", "noon", "1e9", "nan", "NaT", "2026-00-10",
                     "2026-08-01T24:00:00", "31/31/2026", "2026/08/01 99:99", "--"]),
    st.none(), st.integers(), st.floats(allow_nan=True), st.lists(st.integers(), max_size=2),
)


def _base() -> dict[str, Any]:
    end = _now() - timedelta(days=2)
    return {"start": (end - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "end": end.strftime("%Y-%m-%dT%H:%M:%S"), "tz": "Europe/Lisbon", "format": "csv"}


@st.composite
def invalid_requests(draw: Any, *, pull_options: bool) -> tuple[str, Any, dict[str, Any]]:
    """(what is wrong, report, keyword arguments) of a request with exactly one fault."""
    options = _base()
    report: Any = draw(st.sampled_from(sorted(REPORT_TYPES)))
    kinds = ["report", "format", "tz", "start", "end", "order", "future", "name"]
    if pull_options:
        kinds += ["on_row_limit", "max_concurrency"]
    kind = draw(st.sampled_from(kinds))
    if kind == "report":
        report = draw(bad_reports)
    elif kind == "format":
        options["format"] = draw(bad_formats)
    elif kind == "tz":
        options["tz"] = draw(bad_zones)
    elif kind in ("start", "end"):
        options[kind] = draw(bad_dates)
    elif kind == "order":
        start = _now() - timedelta(days=draw(st.integers(2, 900)))
        end = start - timedelta(seconds=draw(st.integers(0, 40 * 86_400)))
        zone = ZoneInfo(options["tz"])
        options["start"], options["end"] = start.astimezone(zone), end.astimezone(zone)
    elif kind == "future":
        end = _now() + timedelta(seconds=draw(st.integers(120, 3 * 365 * 86_400)))
        options["start"], options["end"] = end - timedelta(days=1), end
    elif kind == "name":
        options["name"] = draw(st.text(min_size=257, max_size=400))
    elif kind == "on_row_limit":
        # (None is no mistake: it means the engine's default)
        options["on_row_limit"] = draw(st.one_of(st.text(max_size=10), st.integers())
                                       .filter(lambda v: v not in ON_ROW_LIMIT))
    else:
        options["max_concurrency"] = draw(st.one_of(
            st.integers(max_value=0), st.integers(min_value=16), st.floats(allow_nan=False),
            st.text(max_size=3)))
    return kind, report, options


@PROPERTY
@given(case=invalid_requests(pull_options=True))
def test_read_report_refuses_invalid_requests_before_any_request(emulator: Emulator, client: Client,
                                                                 case: tuple[str, Any, dict[str, Any]]) -> None:
    kind, report, options = case
    _fresh(emulator)
    with pytest.raises(ValidationError):
        read_report(report, client=client, progress=False, **options)
    assert emulator.stats()["requests"] == {}, kind


@PROPERTY
@given(case=invalid_requests(pull_options=False))
def test_create_job_refuses_invalid_requests_before_any_request(emulator: Emulator, client: Client,
                                                                case: tuple[str, Any, dict[str, Any]]) -> None:
    kind, report, options = case
    _fresh(emulator)
    with pytest.raises(ValidationError) as raised:
        client.create_job(report, **options)
    assert emulator.stats()["requests"] == {}, kind
    assert raised.value.fields, "the error names the field to fix"


# -- valid requests ----------------------------------------------------------------------------

@st.composite
def valid_windows(draw: Any) -> tuple[str, str, datetime, datetime]:
    """(zone, format, start, end): wall times in the zone, at most 743 absolute hours apart."""
    zone = ZoneInfo(draw(st.sampled_from(DST_ZONES)))
    latest = _now() - timedelta(minutes=10)
    end = latest - timedelta(seconds=draw(st.integers(0, 3 * 365 * 86_400)))
    start = end - timedelta(seconds=draw(st.integers(1, 743 * 3_600)))
    return zone.key, draw(st.sampled_from(FORMATS)), start.astimezone(zone), end.astimezone(zone)


def _wall(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _meant(wall: str, zone: str) -> datetime:
    """The instant a naive wall time stands for in ``zone`` (the earlier one in a repeated hour)."""
    return datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


@PROPERTY
@given(report=st.sampled_from(sorted(REPORT_TYPES)), window=valid_windows(),
       name=st.one_of(st.none(), st.text(min_size=1, max_size=256).filter(str.strip)))
def test_valid_requests_are_accepted_with_the_same_instants(emulator: Emulator, client: Client, report: str,
                                                             window: tuple[str, str, datetime, datetime],
                                                             name: str | None) -> None:
    zone, fmt, start, end = window
    _fresh(emulator)
    wall_start, wall_end = _wall(start), _wall(end)  # naive strings: wall times in ``tz``
    job = client.create_job(report, start=wall_start, end=wall_end, tz=zone, format=fmt, name=name)
    (recorded,) = emulator.jobs()
    assert recorded["id"] == job.id and recorded["type"] == report
    assert recorded["format"] == fmt and recorded["timezone"] == zone
    if name is not None:
        assert recorded["name"] == name
    assert datetime.fromisoformat(recorded["from_utc"]) == _meant(wall_start, zone)
    assert datetime.fromisoformat(recorded["to_utc"]) == _meant(wall_end, zone)


@cache
def _transitions(zone: str) -> tuple[datetime, ...]:
    """UTC instants of the zone's offset changes over the last three years."""
    tz = ZoneInfo(zone)
    found = []
    moment = (_now() - timedelta(days=3 * 365)).replace(minute=0, second=0)
    step = timedelta(hours=1)
    offset = moment.astimezone(tz).utcoffset()
    while moment < _now() - timedelta(days=1):
        moment += step
        current = moment.astimezone(tz).utcoffset()
        if current != offset:
            found.append(moment)
            offset = current
    return tuple(found)


@st.composite
def instants_near_dst_changes(draw: Any) -> tuple[str, datetime]:
    zone = draw(st.sampled_from(["Europe/Lisbon", "America/New_York", "Australia/Sydney", "Pacific/Auckland"]))
    change = draw(st.sampled_from(_transitions(zone)))
    return zone, change + timedelta(seconds=draw(st.integers(-7_200, 7_200)))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(case=("America/New_York", datetime(2025, 11, 2, 6, 30, tzinfo=timezone.utc)))  # 01:30 EST
@given(case=instants_near_dst_changes())
def test_aware_instants_near_dst_changes_keep_their_meaning(emulator: Emulator, client: Client,
                                                            case: tuple[str, datetime]) -> None:
    """Either the job's window is exactly the instants asked for, or the request is refused
    before sending: a bound in the second pass of a repeated hour cannot be said in wall time."""
    zone, start = case
    end = start + timedelta(hours=3)
    _fresh(emulator)
    try:
        client.create_job("calls", start=start, end=end, tz=zone)  # aware UTC datetimes
    except ValidationError as error:
        assert "repeat" in str(error) and emulator.stats()["requests"] == {}
        return
    (recorded,) = emulator.jobs()
    assert datetime.fromisoformat(recorded["from_utc"]) == start
    assert datetime.fromisoformat(recorded["to_utc"]) == end


# -- known bugs, pinned -------------------------------------------------------------------------

def test_a_name_accepted_by_read_report_is_accepted_by_the_api(emulator: Emulator, client: Client) -> None:
    _fresh(emulator)
    end = (_now() - timedelta(days=2)).strftime("%Y-%m-%d")
    start = (_now() - timedelta(days=4)).strftime("%Y-%m-%d")
    df = read_report("calls", start=start, end=end, name="n" * 200, client=client, progress=False,
                     tz="UTC")
    assert len(emulator.jobs()) == len(df.attrs["explore"]["windows"]) == 1


@pytest.mark.parametrize("length", [246, 256])
def test_a_long_name_prefix_is_refused_before_any_request(emulator: Emulator, client: Client, length: int) -> None:
    _fresh(emulator)
    end = (_now() - timedelta(days=2)).strftime("%Y-%m-%d")
    start = (_now() - timedelta(days=4)).strftime("%Y-%m-%d")
    try:
        read_report("calls", start=start, end=end, name="n" * length, client=client, progress=False,
                    tz="UTC")
    except ValidationError:
        assert emulator.stats()["requests"] == {}
    # or accepted (e.g. the per-window suffix kept within 256 characters): either is fine


def _zone_path_bug(name: str, why: str) -> Any:
    return name  # once a bug (see `why` at each call), now refused like any non-IANA name


ZONE_PATH_NAMES = [
    _zone_path_bug("America", "a zoneinfo directory name raises IsADirectoryError, not ValidationError"),
    _zone_path_bug("Etc", "a zoneinfo directory name raises IsADirectoryError, not ValidationError"),
    _zone_path_bug("localtime", "non-IANA file of the zone folder accepted by the client, refused (400) by the API"),
    _zone_path_bug("posixrules", "non-IANA file of the zone folder accepted by the client, refused (400) by the API"),
    _zone_path_bug("posix/Europe/Lisbon", "non-IANA alias folder accepted by the client, refused (400) by the API"),
    _zone_path_bug("right/UTC", "non-IANA alias folder accepted by the client, refused (400) by the API"),
]


@pytest.mark.parametrize("tz", ZONE_PATH_NAMES)
def test_names_from_the_zone_folder_that_are_no_iana_zone_are_refused(emulator: Emulator, client: Client,
                                                                       tz: str) -> None:
    _fresh(emulator)
    with pytest.raises(ValidationError):
        client.create_job("calls", **{**_base(), "tz": tz})
    assert emulator.stats()["requests"] == {}


def test_a_very_long_zone_name_is_a_validation_error(emulator: Emulator, client: Client) -> None:
    _fresh(emulator)
    with pytest.raises(ValidationError):
        client.create_job("calls", **{**_base(), "tz": "Europe/" + "x" * 300})
    assert emulator.stats()["requests"] == {}


@pytest.mark.parametrize("text", ["march", "jan 5"])
def test_a_bare_month_name_is_not_a_date(text: str) -> None:
    with pytest.raises(ValidationError):
        plan = plan_pull("calls", start=text, end="2026-01-01", tz="UTC")
        print(len(plan.windows), "windows")
