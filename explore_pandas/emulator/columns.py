"""The emulator's report columns: `Column`, `ReportSpec`, their constructors and value pools.

The building blocks of the catalogue (`catalog` for the documented reports, `guessed` for
those known only by display labels or not at all). Column keys, CSV labels and value
encodings follow ``explore-api.md`` sections 7 and 8.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

#: Wire kinds. Durations are generated in seconds and encoded per kind:
#: ``seconds``/``minutes`` integers, ``days`` float fraction of a day, ``dhms`` "0d 0h 0m 42s".
KINDS = frozenset(
    {"datetime", "str", "int", "float", "bool", "seconds", "minutes", "days", "dhms", "list"}
)

#: Generators (``Column.gen``); see `data.py` for what each draws.
GENS = frozenset(
    {
        "event", "start", "end", "within", "before", "after", "day",  # datetimes from the event
        "span", "part", "secs",  # durations (seconds before encoding)
        "choice", "const", "uuid", "hex", "digits", "phone", "text", "ips", "url",
        "user.id", "user.name", "user.email", "team.id", "team.name", "groups",
    }
)

#: Datetime renderings (strftime-like; ``%-H`` is an unpadded hour, ``%3f`` milliseconds).
NAIVE = "%Y-%m-%d %H:%M:%S"
ISO_Z = "%Y-%m-%dT%H:%M:%SZ"
MILLIS = "%Y-%m-%d %H:%M:%S.%3f"
UNPADDED = "%Y-%m-%d %-H:%M:%S"

YES_NO = ("Yes", "No")


@dataclass(frozen=True)
class Column:
    """One report column: JSON key, CSV label, wire kind and how to generate it.

    ``null`` is the fraction of missing values; ``empty`` is what a missing datetime is
    rendered as (``None`` means JSON null / empty CSV field, ``""`` an empty string).
    ``ref`` names another column (the id a ``url`` embeds). ``scale`` is the mean in
    seconds for ``secs`` and the length for ``digits``.
    """

    key: str
    label: str
    kind: str
    gen: str
    choices: tuple[Any, ...] = ()
    weights: tuple[float, ...] = ()
    null: float = 0.0
    scale: float = 0.0
    ref: str = ""
    empty: str | None = None
    guessed: bool = False


@dataclass(frozen=True)
class ReportSpec:
    """A report type: slug, timespan field, volume, envelope, datetime format and columns.

    ``default_rate`` is the mean number of rows per day; ``span_median`` the median length
    in seconds of the thing a row describes (a call, a status, a step), from which the
    start/within datetimes and the duration columns derive.
    """

    slug: str
    display_name: str
    timespan_field: str
    default_rate: float
    columns: tuple[Column, ...]
    json_header: dict[str, str]
    datetime_format: str = NAIVE
    span_median: float = 240.0
    #: the traffic model's view whose columns these are (None: the slug's own)
    model_view: str | None = None
    guessed: bool = False

    @property
    def keys(self) -> list[str]:
        """JSON keys in column order."""
        return [c.key for c in self.columns]

    @property
    def labels(self) -> list[str]:
        """CSV header labels in column order."""
        return [c.label for c in self.columns]


def title(key: str) -> str:
    """Fallback CSV label: ``call_id`` -> ``Call Id`` (the C-gui client reads "Call Id")."""
    return key.replace("_", " ").title()


def col(key: str, kind: str, gen: str, label: str | None = None, **kw: Any) -> Column:
    """Build a `Column`, defaulting the label to the title-cased key."""
    if kind not in KINDS or gen not in GENS:
        raise ValueError(f"bad column {key!r}: kind={kind!r} gen={gen!r}")
    return Column(key, label or title(key), kind, gen, **kw)


def labelled(label: str, kind: str, gen: str, **kw: Any) -> Column:
    """A column known only by its display label; the key is its guessed snake_case."""
    key = "".join(ch if ch.isalnum() else "_" for ch in label.lower())
    key = "_".join(part for part in key.split("_") if part)
    return col(key, kind, gen, label, guessed=True, **kw)


def report_spec(
    slug: str, name: str, field: str, rate: float, columns: list[Column], **kw: Any
) -> ReportSpec:
    header = kw.pop("json_header", {})
    if kw.get("guessed"):
        columns = [replace(c, guessed=True) for c in columns]
    spec = ReportSpec(slug, name, field, rate, tuple(columns), header, **kw)
    if [c.key for c in spec.columns if c.gen == "event"] != [field]:
        raise ValueError(f"{slug}: exactly one event column, named as the timespan field")
    return spec




#: Value pools shared by several reports.
PHONE_NAMES = ("Support Line", "Sales, EMEA", "Billing", "Suporte Lisboa")
DISPOSITIONS = ("Resolved", "Follow-up", "Escalated", "Wrong number")
IVR = ("1", "1,2", "1,2,1", "")
RING_GROUPS = ("agents", "agents,billing", "sales", "support,vip")
CUSTOMERS = ("Ana Gonçalves", 'Hérmes "Nunes"', "Smith, John", "Mei Chen", "Olumide Bello")
INTS = (0, 1, 7, 42, 1000)
FLOATS = (0.5, 12.75, 99.99, 1e-05)
YN: dict[str, Any] = {"choices": YES_NO}
