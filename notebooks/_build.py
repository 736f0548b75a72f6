"""Write the example notebooks (``notebooks/*.ipynb``) from the cell sources below, executed.

The notebooks are generated so that a review reads plain Python: fixed cell ids,
sources from this file. They are committed WITH their outputs, so that they read
well on GitHub and in the docs site (which renders the committed outputs and
executes nothing): this script executes each one on the embedded emulator
(``_execute.py``) and refuses to write one whose outputs hold a secret or a token.
Edit this file, then run it and commit the regenerated notebooks::

    .venv/bin/python notebooks/_build.py                 # build, execute, write (about a minute)
    .venv/bin/python notebooks/_build.py 05_presets_volume_and_magics.ipynb   # only those
    .venv/bin/python notebooks/_build.py --no-execute    # sources only (outputs dropped)
    .venv/bin/python notebooks/_build.py --check         # exit 1 if a notebook's sources differ

The outputs are the record of one run: the dates ("the last 7 days"), job ids,
ports and timings change from run to run, so ``--check`` compares the sources
(cells, ids, kernelspec) and not the outputs; the tests check that every code
cell was executed and that no output holds a secret, and execute the notebooks again.

Every notebook runs top to bottom with no edits: on the embedded emulator when no
``EXPLORE_*`` variable is set, on your account when they are. CI executes them all
(``tests/notebooks/test_notebooks.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

# -- shared cells ------------------------------------------------------------------------------

CONNECT_MD = """\
## Connect: your account or the emulator

The next cell decides. With **no** `EXPLORE_*` variable set it starts the embedded
emulator (the Explore API on 127.0.0.1, synthetic data, no account, no network) and
connects to it; with them set it connects to your Talkdesk account:

| variable | what |
| --- | --- |
| `EXPLORE_ACCOUNT` | your Talkdesk account name (the `<account>` of `https://<account>.talkdeskid.com`) |
| `EXPLORE_REGION` | `us` (default), `eu`, `ca` or `au` |
| `EXPLORE_CLIENT_ID`, `EXPLORE_CLIENT_SECRET` | an OAuth client-credentials app with the scopes `data-reports:read data-reports:write` |

Set them before starting Jupyter. If only some are set, `connect_or_emulator()` stops with a
message naming every missing one: it never falls back to the emulator silently. Nothing here
prints the secret or a token."""


def connect_cell(tz: str, emulator_args: str) -> str:
    return f'''\
import pandas as pd

import explore_pandas as xp

TZ = "{tz}"  # the time zone of every datetime column below: change it to yours

# your account when EXPLORE_* is set, else the embedded emulator (emu); the kernel's default client
client, emu = xp.connect_or_emulator({emulator_args})'''


def dates_cell(expr: str) -> str:
    return f'''\
# Whole local days ending at today's local midnight (the end is exclusive).
today = pd.Timestamp.now(tz=TZ).normalize().tz_localize(None)
{expr}
print(f"{{start:%Y-%m-%d %a}} .. {{end:%Y-%m-%d %a}} (exclusive), {{(end - start).days}} days in {{TZ}}")'''


CLOSE_MD = "Done. Stop the emulator if this notebook started one (a real account needs nothing)."
CLOSE = '''\
if emu is not None:
    emu.close()'''


# -- 01 quickstart -----------------------------------------------------------------------------

QUICKSTART = [
    new_markdown_cell("""\
# Quickstart: an Explore report as a typed, time-zone-aware DataFrame

`explore_pandas` asks Talkdesk's Explore API for a report job, waits for it, downloads the
file and returns one pandas DataFrame whose datetime columns are in *your* time zone.
This notebook:

1. connects (the embedded emulator, or your account);
2. pulls four weeks of calls with `read_report`;
3. looks at the columns: time-zone-aware datetimes, nullable integers, booleans, categories;
4. reads the provenance in `df.attrs["explore"]` (which jobs, which windows, truncated or not);
5. downloads one job's file and reads it with `read_file`."""),
    new_markdown_cell(CONNECT_MD),
    new_code_cell(connect_cell("Europe/Madrid", "seed=7")),
    new_markdown_cell("""\
## Pull four weeks of calls

`start` and `end` may be dates, strings or datetimes: naive values are wall times in `tz`,
and `end` is exclusive. The calls report selects rows by `end_at`, the time a call ended, so
the first rows may have started before `start`. The range is validated before anything is sent. Ranges longer than
the API's 31 days are cut into windows that run concurrently (see notebook 03). The progress
bar follows the jobs."""),
    new_code_cell(dates_cell("start, end = today - pd.Timedelta(weeks=4), today")),
    new_code_cell('''\
df = xp.read_report("calls", start=start, end=end, tz=TZ)
print(f"{len(df):,} calls, {len(df.columns)} columns")
df[["call_id", "type", "start_at", "end_at", "talk_time", "wait_time", "user_name", "team_name"]].head()'''),
    new_markdown_cell("""\
## Columns and dtypes

Every datetime column is `datetime64[..., <your zone>]`: rows are in local time, and
daylight-saving changes are handled (the API's files are in UTC). Durations of the calls
report are nullable integer seconds (`Int64`), flags are nullable `boolean`, a few
low-cardinality text columns are `category`, and text is pandas' string dtype."""),
    new_code_cell('''\
print(df.dtypes.astype(str).value_counts().to_string())
df.select_dtypes("datetimetz").dtypes'''),
    new_code_cell('''\
first = df["end_at"].min()
print("first call ended at", first, "local time, which is", first.tz_convert("UTC"), "in UTC")
print("zone of end_at:", df["end_at"].dt.tz)
df["type"].value_counts()'''),
    new_markdown_cell("""\
## Where the rows came from: `df.attrs["explore"]`

The provenance travels with the frame (copies, slices, pickles, parquet). It holds plain JSON
types: the report, zone, range, each window with its job id and row count, and whether any
window hit the API's 1,000,000-row limit. `df.explore.jobs` shows the windows as a table."""),
    new_code_cell('''\
meta = df.attrs["explore"]
print({key: meta[key] for key in ("report", "timezone", "format", "start", "end", "rows", "truncated")})
print("windows:", len(meta["windows"]), "| job ids:", meta["jobs"])
df.explore.jobs'''),
    new_markdown_cell("""\
## A file you already have: `read_file`

A report file downloaded earlier, by the Explore UI or another tool, reads into the same
typed frame. Here the first job's file is downloaded again (to a temporary folder) and read
back; the `format` (csv, json or json_bulk) is inferred from the suffix."""),
    new_code_cell('''\
import tempfile
from pathlib import Path

downloads = Path(tempfile.mkdtemp(prefix="explore-quickstart-"))
path = client.download(meta["jobs"][0], dest=downloads, report="calls")
print(path.name, f"{path.stat().st_size / 1e6:.1f} MB")

again = xp.read_file(path, report="calls", tz=TZ)
rows = meta["windows"][0]["rows"]
print(f"{len(again):,} rows, the same as the window's {rows:,}:", len(again) == rows)
print("same dtypes as read_report:", again.dtypes.equals(df.dtypes))
again[["call_id", "start_at", "end_at"]].head(3)'''),
    new_code_cell('''\
# The same file in another zone: the instants are the same, the wall times differ.
in_new_york = xp.read_file(path, report="calls", tz="America/New_York")
print(in_new_york["end_at"].dtype, in_new_york["end_at"].iloc[0], "==", again["end_at"].iloc[0],
      in_new_york["end_at"].iloc[0] == again["end_at"].iloc[0])'''),
    new_markdown_cell(CLOSE_MD),
    new_code_cell(CLOSE),
]

# -- 02 report form ----------------------------------------------------------------------------

FORM = [
    new_markdown_cell("""\
# The report form

`ReportForm()` is an ipywidgets form: pick a report, a time zone and a range, click **Run**,
and watch the jobs in the table. Every field is checked as you type (the message appears next
to the field). The result lands in `form.value`, a DataFrame like `read_report`'s. The pull
runs in a background thread, so the kernel stays free while the jobs run."""),
    new_markdown_cell(CONNECT_MD),
    new_code_cell(connect_cell("Europe/Madrid", 'seed=7, progression={"seconds": 1}')),
    new_markdown_cell("""\
## The form

`ReportForm(client=None)` uses the kernel's default client (the one `connect` made above)
when you click Run. The initial range is the last 7 days in this machine's time zone."""),
    new_code_cell('''\
form = xp.ReportForm()
form'''),
    new_markdown_cell("""\
## Driving it from code

Clicking **Run** does what the next cell does: here the fields are set from code, so the
notebook also runs unattended (in CI). The **Range** dropdown offers presets (today, yesterday,
the last 7 days, last week, last month...): picking one fills in start and end with complete
local days of the zone; editing a date by hand makes the range custom again. When the run is
done the result panel shows the rows per local day as a small bar chart (per hour for ranges
under two days), where an empty day or a truncated window stands out. `form.wait()` blocks until the run ends; in the
browser you can instead run the next cells once the status says *done*."""),
    new_code_cell('''\
form.timezone.value = TZ
form.preset.value = "7d"  # the Range dropdown: the last 7 complete local days, filled in below it
print(f"start {form.start.value:%Y-%m-%d %H:%M} .. end {form.end.value:%Y-%m-%d %H:%M} (exclusive), in {TZ}")'''),
    new_code_cell('''\
end = form.end.value
form.run_button.click()  # the same handler as a click in the browser
df = form.wait(timeout=300)
if df is None:
    raise form.error  # also shown in the form
print("status:", pd.Series([form.status.value]).str.replace("<[^>]+>", "", regex=True)[0])
print(f"form.value: {len(df):,} rows x {len(df.columns)} columns, end_at in {df['end_at'].dt.tz}")'''),
    new_code_cell('''\
df.attrs["explore"]["windows"]'''),
    new_markdown_cell("""\
## Mistakes are caught before anything is sent

An end before the start, an unknown zone or a range reaching into the future is reported next
to its field, and **Run** is disabled until it is fixed."""),
    new_code_cell('''\
import re
from datetime import timedelta


def messages(form):
    """The form's field messages, as text."""
    return {field: re.sub("<[^>]+>", "", box.value) for field, box in form.messages.items() if box.value}

form.end.value = form.start.value - timedelta(days=1)
print(messages(form))
print("Run disabled:", form.run_button.disabled)'''),
    new_code_cell('''\
form.end.value = end  # fixed
print(messages(form) or "no messages", "| Run disabled:", form.run_button.disabled)'''),
    new_markdown_cell(CLOSE_MD),
    new_code_cell(CLOSE),
]

# -- 03 long ranges and the row limit ----------------------------------------------------------

LONG = [
    new_markdown_cell("""\
# Long ranges, the job quota and the row limit

The Explore API has limits, and `read_report` handles each:

| limit | what `read_report` does |
| --- | --- |
| a job covers at most **31 days** | the range is cut into windows at local midnights (`plan_pull`) |
| at most **15 jobs** at once per account, shared with every other tool | windows run concurrently under an adaptive share of the quota; a 429 halves it (`max_concurrency` caps it) |
| a file holds at most **1,000,000 rows** | `on_row_limit="warn"` (default), `"split"` or `"raise"` |
| files are kept **30 days** | the job ledger re-attaches to jobs already made for the same window (`fresh=True` to bypass) |
| data lag real time by a few **minutes** | an end less than 5 minutes ago gives a warning |

The first part runs on your connection (account or emulator). The quota and the row limit
are then shown on a second, local emulator set up to hit them in seconds: no real account
can be asked to hit them on purpose."""),
    new_markdown_cell(CONNECT_MD),
    new_code_cell(connect_cell("Europe/Madrid", 'seed=7, progression="immediate", rates={"calls": 150}')),
    new_markdown_cell("""\
## Windows: `plan_pull`

`plan_pull` validates a request and shows its windows; nothing is sent. Windows are cut at
local midnights and last at most 31 x 24 hours: across the autumn daylight-saving change a
window ends one midnight early."""),
    new_code_cell('''\
# 75 whole local days ending at yesterday's local midnight: the API's data lag real time by
# a few minutes, and the ledger (below) reuses only jobs created after that lag.
today = pd.Timestamp.now(tz=TZ).normalize().tz_localize(None)
start, end = today - pd.Timedelta(days=76), today - pd.Timedelta(days=1)
print(f"{start:%Y-%m-%d %a} .. {end:%Y-%m-%d %a} (exclusive), {(end - start).days} days in {TZ}")'''),
    new_code_cell('''\
plan = xp.plan_pull("calls", start=start, end=end, tz=TZ)
pd.DataFrame({"start": [w.start for w in plan.windows], "end": [w.end for w in plan.windows],
              "hours": [w.duration / pd.Timedelta(hours=1) for w in plan.windows]})'''),
    new_markdown_cell("""\
## Concurrency: `max_concurrency`

By default up to 15 windows run at once. Other tools on the account share those 15 slots, so
you may want fewer: `max_concurrency=2` keeps at most two of this pull's jobs alive at a time.
The provenance records the peak."""),
    new_code_cell('''\
df = xp.read_report("calls", start=start, end=end, tz=TZ, max_concurrency=2)
meta = df.attrs["explore"]
print(f"{len(df):,} rows from {len(meta['windows'])} windows; at most {meta['peak_concurrency']} "
      f"jobs at once; 429 answers: {meta['rate_limited']}")
df.explore.jobs'''),
    new_markdown_cell("""\
## The ledger: asking twice creates no new jobs

Every job `read_report` creates is recorded on disk (`$EXPLORE_CACHE_DIR`, else the user's
cache folder; no secret or token is stored); the jobs of an emulator running in this kernel
are recorded in a folder deleted with it (`emu.ledger_directory`), since they end with it. Asking again for the same windows (same account,
report, zone, format and bounds) re-attaches to the recorded jobs while the API keeps their
files (30 days), so an interrupted pull resumes without creating anything twice, and
re-running a notebook costs no quota; windows whose rows are complete are even read back from the
local cache of parsed windows, with no request at all. `fresh=True` asks for new jobs (fresh data)."""),
    new_code_cell('''\
again = xp.read_report("calls", start=start, end=end, tz=TZ, max_concurrency=2)
print("no new job (ledger or cache):", [w["reused"] or w.get("cached", False) for w in again.attrs["explore"]["windows"]],
      "| same rows:", len(again) == len(df))

fresh = xp.read_report("calls", start=start, end=end, tz=TZ, max_concurrency=2, fresh=True)
print("with fresh=True, no new job:", [w["reused"] or w.get("cached", False) for w in fresh.attrs["explore"]["windows"]])
if emu is not None:
    print("jobs the emulator created for these three pulls:", emu.stats()["jobs_created"])'''),
    new_code_cell('''\
from explore_pandas.pulls.ledger import Ledger

ledger = Ledger(emu.ledger_directory) if emu is not None else Ledger()  # the emulator's, or your account's
print(f"{len(ledger.entries())} jobs recorded in the ledger")
pd.DataFrame([{"job": e.job_id[:8], "report": e.report, "start": e.start, "end": e.end,
               "status": e.status, "rows": e.rows} for e in ledger.entries()[:5]])'''),
    new_markdown_cell("""\
## The job quota, on a local emulator

`lab` is a second emulator whose account quota is 4 instead of 15, as if other tools held 11
of the slots. A pull of eight windows with the default `max_concurrency` meets 429 answers;
the library halves its share on each and creeps back up, and the pull completes."""),
    new_code_cell('''\
lab = xp.Emulator(seed=3, progression={"seconds": 1}, rates={"calls": 20}, quota=4).start()
lab_client = xp.Client(**lab.credentials)  # passed explicitly: the default connection stays as it is

long_df = xp.read_report("calls", start=today - pd.Timedelta(days=240), end=today, tz=TZ,
                         client=lab_client, ledger=False)
long_meta = long_df.attrs["explore"]
stats = lab.stats()
print(f"{len(long_df):,} rows, {len(long_meta['windows'])} windows; 429 answers: {long_meta['rate_limited']}; "
      f"most jobs running at once on the account: {stats['max_running']} (quota 4)")'''),
    new_markdown_cell("""\
## The row limit: warn, split, raise

A report file holds at most **1,000,000 rows** (what the API does past that is not documented;
the library assumes the file stops there, as the emulator does). Pulling millions of rows
takes minutes, so `lab` is reconfigured with a limit of 2,000 rows and `json` files
whose `total` counts every matching row (`total="matching"`): a window with more rows than
the limit is then recognisable from the file itself, as it is at 1,000,000 rows for real.
Three days at about 1,500 calls a day hold about 4,500 rows: over the limit."""),
    new_code_cell('''\
import warnings

lab.configure(progression="immediate", rates={"calls": 1500}, row_limit=2_000, total="matching", quota=15)
three_days = {"start": today - pd.Timedelta(days=3), "end": today, "tz": TZ, "format": "json",
              "client": lab_client, "ledger": False, "progress": False}
expected = lab.count_rows("calls", (today - pd.Timedelta(days=3)).tz_localize(TZ).to_pydatetime(),
                          today.tz_localize(TZ).to_pydatetime())
print(f"rows the emulator holds for these three days: {expected:,}")'''),
    new_markdown_cell("""\
**`on_row_limit="warn"`** (the default) keeps the rows that came, warns with a
`RowLimitWarning` naming the window and its job, and marks the provenance `truncated`.
(The message quotes the real API's limit of 1,000,000 rows; `lab`'s is 2,000.)"""),
    new_code_cell('''\
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    warned = xp.read_report("calls", on_row_limit="warn", **three_days)
for w in caught:
    print(f"{w.category.__name__}: {w.message}")
print(f"{len(warned):,} of {expected:,} rows; truncated: {warned.attrs['explore']['truncated']}")'''),
    new_markdown_cell("""\
**`on_row_limit="split"`** halves a window that hit the limit and fetches both halves again,
until every part is under the limit: all rows arrive, from more jobs."""),
    new_code_cell('''\
split = xp.read_report("calls", on_row_limit="split", **three_days)
split_meta = split.attrs["explore"]
print(f"{len(split):,} of {expected:,} rows from {len(split_meta['windows'])} windows; "
      f"truncated: {split_meta['truncated']}")
split.explore.jobs'''),
    new_markdown_cell("""\
**`on_row_limit="raise"`** stops with a `RowLimitError` that says which window and job, for
pipelines that must never continue with missing rows."""),
    new_code_cell('''\
try:
    xp.read_report("calls", on_row_limit="raise", **three_days)
except xp.RowLimitError as error:
    print(f"RowLimitError: {error}")'''),
    new_markdown_cell("Stop the emulators (`lab` always, `emu` if this notebook started it)."),
    new_code_cell('''\
lab_client.close()
lab.close()
if emu is not None:
    emu.close()'''),
]

# -- 04 calls analysis -------------------------------------------------------------------------

ANALYSIS = [
    new_markdown_cell("""\
# Calls analysis: volume by hour, handle time, service level

What an analyst writes once the calls are a DataFrame: everything below is plain pandas and
matplotlib on the frame `read_report` returns, in local time. On the emulator the data are
synthetic (an account in `TZ`: business hours with a late-morning peak, quieter weekends,
teams with their own talk times, a service level near 80% with some bad days; about 800
calls a day here to keep it quick), so the shapes are plausible and the numbers mean nothing."""),
    new_markdown_cell(CONNECT_MD),
    new_code_cell(connect_cell("America/New_York",
                               'seed=11, progression={"seconds": 1}, rates={"calls": 800}, '
                               'account_timezone=TZ')),
    new_code_cell(dates_cell("start, end = today - pd.Timedelta(weeks=6), today")),
    new_code_cell('''\
import matplotlib.pyplot as plt

calls = xp.read_report("calls", start=start, end=end, tz=TZ)
print(f"{len(calls):,} calls; windows: {len(calls.attrs['explore']['windows'])}")
calls["type"].value_counts()'''),
    new_markdown_cell("""\
## Calls per hour of the day, local time

`start_at` is already in `TZ`, so `.dt.hour` is the local hour, daylight-saving time included.
For comparison, the same calls by UTC hour: the profile shifts by the zone's offset."""),
    new_code_cell('''\
local_hour = calls["start_at"].dt.hour.value_counts().reindex(range(24), fill_value=0)
utc_hour = calls["start_at"].dt.tz_convert("UTC").dt.hour.value_counts().reindex(range(24), fill_value=0)
days = calls["start_at"].dt.normalize().nunique()

fig, ax = plt.subplots(figsize=(9, 3.5))
ax.bar(local_hour.index, local_hour / days, label=f"local hour ({TZ})")
ax.step(utc_hour.index, utc_hour / days, where="mid", color="black", label="UTC hour")
ax.set(xlabel="hour of day", ylabel="calls per day", xticks=range(0, 24, 2),
       title="When calls start")
ax.legend()
plt.show()
print("busiest local hour:", local_hour.idxmax(), "| busiest UTC hour:", utc_hour.idxmax())'''),
    new_markdown_cell("""\
## Handle time

Handle time here is talk time plus hold time (the calls report has no after-call work
column), over answered calls (`type` is `inbound` or `outbound`). Durations are integer
seconds. The distribution is skewed, so medians and percentiles say more than the mean."""),
    new_code_cell('''\
answered = calls[calls["type"].isin(["inbound", "outbound"])].copy()
answered["type"] = answered["type"].cat.remove_unused_categories()
answered["handle_time"] = answered["talk_time"] + answered["hold_time"]
minutes = answered["handle_time"] / 60

summary = minutes.groupby(answered["type"], observed=True).describe(percentiles=[0.5, 0.9])
summary[["count", "mean", "50%", "90%", "max"]].round(1)'''),
    new_code_cell('''\
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
bins = range(31)
for kind, group in minutes.groupby(answered["type"], observed=True):
    left.hist(group.clip(upper=30), bins=bins, alpha=0.6, label=kind)
left.set(xlabel="handle time (minutes, 30+ in the last bin)", ylabel="calls", title="Handle time")
left.legend()

by_hour = minutes.groupby(answered["start_at"].dt.hour)
right.plot(by_hour.median(), marker="o", label="median")
right.plot(by_hour.quantile(0.9), marker=".", label="90th percentile")
right.set(xlabel=f"local hour of day ({TZ})", ylabel="minutes", xticks=range(0, 24, 3),
          title="Handle time by hour of day")
right.legend()
plt.show()'''),
    new_code_cell('''\
# Median handle time per team, busiest teams first
by_team = answered.groupby("team_name", dropna=False).agg(
    calls=("call_id", "size"), median_handle_min=("handle_time", lambda s: s.median() / 60))
by_team.sort_values("calls", ascending=False).round(1).head(8)'''),
    new_markdown_cell("""\
## Service level per day

Defined from the report's columns, per local day of `start_at`:

- **offered**: inbound-side calls, `type` in `inbound`, `abandoned`, `missed`, `voicemail`
  (`short_abandoned` calls, hung up within seconds, are left out, as is usual);
- **answered in time**: `type == "inbound"` with `wait_time <= 20` seconds;
- **service level** = answered in time / offered (a common target: 80%).

Change `THRESHOLD` or the type lists to your contact centre's definition."""),
    new_code_cell('''\
THRESHOLD = 20  # seconds of wait
OFFERED = ["inbound", "abandoned", "missed", "voicemail"]

inbound = calls[calls["type"].isin(OFFERED)]
day = inbound["start_at"].dt.normalize().rename("day")
in_time = inbound["type"].eq("inbound") & inbound["wait_time"].le(THRESHOLD)
daily = pd.DataFrame({
    "offered": inbound.groupby(day).size(),
    "answered": inbound["type"].eq("inbound").groupby(day).sum(),
    "answered_in_time": in_time.groupby(day).sum(),
    "abandoned": inbound["type"].eq("abandoned").groupby(day).sum(),
})
daily["service_level"] = daily["answered_in_time"] / daily["offered"]
daily["abandon_rate"] = daily["abandoned"] / daily["offered"]
print("index:", daily.index.dtype)
daily.tail(7).style.format({"service_level": "{:.1%}", "abandon_rate": "{:.1%}"})'''),
    new_code_cell('''\
fig, ax = plt.subplots(figsize=(10, 3.5))
ax.plot(daily.index, daily["service_level"] * 100, marker="o", label=f"answered within {THRESHOLD} s")
ax.plot(daily.index, daily["abandon_rate"] * 100, marker=".", label="abandoned")
ax.axhline(80, color="grey", linestyle="--", label="80% target")
ax.set(ylabel="% of offered calls", ylim=(0, 110), title="Service level per day (local days)")
ax.legend(loc="upper left", ncols=3, frameon=False)
fig.autofmt_xdate()
plt.show()
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
weekday = daily.groupby(daily.index.day_name())["service_level"].mean().mul(100).round(1).reindex(DAYS)
print("mean service level by weekday (%):", weekday.to_dict())'''),
    new_markdown_cell(CLOSE_MD),
    new_code_cell(CLOSE),
]

# -- 05 presets, a picture of every pull, the %explore magic ---------------------------------

PRESETS = [
    new_markdown_cell("""\
# Range presets, a picture of every pull, and the `%explore` magic

Three shortcuts for the ranges people ask for every day:

1. `last=` in `read_report` (and `pd.DataFrame.explore.read`, `write_parquet`, `explore-pandas
   pull --last`): `"7d"`, `"4w"`, `"3m"`, `"yesterday"`, `"last_week"`, `"last_month"`...,
   always complete local days of `tz`, daylight-saving changes included;
2. `df.explore.plot_volume()`: rows per local day, so a missing day or a truncated window
   shows at a glance;
3. `%load_ext explore_pandas` and `%explore calls --last 7d --tz Europe/Lisbon`, the command
   line's `pull` in one notebook line."""),
    new_markdown_cell(CONNECT_MD),
    new_code_cell(connect_cell("Europe/Lisbon", 'seed=7, progression="immediate"')),
    new_markdown_cell("""\
## What each preset asks for

`plan_pull` shows a range without sending anything. Relative presets count complete days
back from today's local midnight (today is never included: its data are not complete);
`today` and `month_to_date` end 5 minutes ago, the API's data latency. A day on which the
clocks change has 23 or 25 hours, and the bounds are still local midnights."""),
    new_code_cell('''\
pd.options.display.max_rows, pd.options.display.max_columns = 8, 8  # short tables below

rows = []
for preset in ["today", "yesterday", "7d", "last_week", "4w", "last_month", "month_to_date", "3m"]:
    plan = xp.plan_pull("calls", last=preset, tz=TZ)
    rows.append({"last": preset, "start": f"{plan.start:%Y-%m-%d %H:%M %a}", "end": f"{plan.end:%Y-%m-%d %H:%M %a}",
                 "hours": (pd.Timestamp(plan.end) - pd.Timestamp(plan.start)) / pd.Timedelta(hours=1),  # elapsed
                 "jobs": len(plan.windows)})
pd.DataFrame(rows).set_index("last")'''),
    new_markdown_cell("""\
A preset is refused together with `start` or `end`: the call would say the range twice."""),
    new_code_cell('''\
try:
    xp.read_report("calls", last="7d", start="2026-01-01", tz=TZ)
except xp.ValidationError as error:
    print(f"ValidationError: {error}")'''),
    new_markdown_cell("""\
## A picture of every pull

`df.explore.plot_volume()` counts the rows per local day of the requested range (per hour
when the range is under two days) with matplotlib, by the report's time column (`end_at` for
calls). Days without a row are bars of zero, marked in red, and days of a window that reached
the row limit are orange. Per hour, quiet hours (the night, the hour a clock change skips) are
simply empty: only an empty hour between two busy ones is marked, as a gap."""),
    new_code_cell('''\
import matplotlib.pyplot as plt

week = xp.read_report("calls", last="7d", tz=TZ, progress=False)
print(f"{len(week):,} calls, {week.explore.timespan[0]:%Y-%m-%d} .. {week.explore.timespan[1]:%Y-%m-%d} (exclusive)")
week.explore.plot_volume()
plt.show()'''),
    new_markdown_cell("""\
A gap jumps out: drop one day of rows (as a failed export or a filter might) and plot again.
The counts behind the plot are `df.explore.volume()`."""),
    new_code_cell('''\
third_day = week.explore.timespan[0] + pd.Timedelta(days=2)
gappy = week[week["end_at"].dt.date != third_day.date()]
gappy.explore.plot_volume()
plt.show()
gappy.explore.volume()'''),
    new_markdown_cell("""\
## The `%explore` magic

`%load_ext explore_pandas` registers `%explore`, which takes the arguments of
`explore-pandas pull` and pulls with the kernel's client (the connection made above). The
frame is the cell's value; `-o NAME` stores it in a variable instead; `-q` hides the
progress bar; `%explore --help` lists the options."""),
    new_code_cell("%load_ext explore_pandas"),
    new_code_cell("%explore calls --last yesterday --tz Europe/Lisbon -q"),
    new_code_cell('''\
%explore calls --last yesterday --tz Europe/Lisbon -o yesterday -q
print(yesterday.explore)
yesterday.explore.plot_volume()  # under two days: per hour; the quiet night hours are not gaps
plt.show()'''),
    new_markdown_cell("""\
A mistake is the command line's one-line message, before any job is created:"""),
    new_code_cell("%explore calls --last 7d --start 2026-01-01", metadata={"tags": ["raises-exception"]}),
    new_markdown_cell(CLOSE_MD),
    new_code_cell(CLOSE),
]

NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_report_form.ipynb": FORM,
    "03_long_ranges_and_row_limit.ipynb": LONG,
    "04_calls_analysis.ipynb": ANALYSIS,
    "05_presets_volume_and_magics.ipynb": PRESETS,
}


def build(name: str, cells: list) -> nbformat.NotebookNode:
    """A v4 notebook with stable cell ids and no outputs."""
    stem = name.split("_", 1)[0]
    notebook = new_notebook(metadata={
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    for index, cell in enumerate(cells):
        cell = nbformat.from_dict(dict(cell))
        cell["id"] = f"nb{stem}-{index:02d}"
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return notebook


def sources(notebook: dict) -> dict:
    """What ``--check`` compares: cells (type, id, metadata, source) and the kernelspec, not outputs."""
    cells = [{key: cell.get(key) for key in ("cell_type", "id", "metadata", "source")} for cell in notebook["cells"]]
    return {"cells": cells, "kernelspec": notebook.get("metadata", {}).get("kernelspec"),
            "nbformat": (notebook.get("nbformat"), notebook.get("nbformat_minor"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to write (default: all)")
    parser.add_argument("--check", action="store_true", help="only compare the sources; exit 1 on a difference")
    parser.add_argument("--no-execute", action="store_true", help="write the sources without outputs")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: here)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(NOTEBOOKS))
    if unknown:
        parser.error(f"no such notebook: {', '.join(unknown)} (choose from {', '.join(NOTEBOOKS)})")
    stale = []
    for name, cells in NOTEBOOKS.items():
        if args.names and name not in args.names:
            continue
        notebook = build(name, cells)
        target = args.out / name
        if args.check:
            committed = nbformat.read(target, as_version=4) if target.exists() else None
            if committed is None or sources(committed) != sources(notebook):
                stale.append(name)
            continue
        if not args.no_execute:
            from _execute import execute  # next to this file; nbclient is only needed here

            notebook = execute(notebook, name)
        target.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
        print(f"wrote {target}" + ("" if args.no_execute else " (executed)"), flush=True)
    if stale:
        print("out of date (run notebooks/_build.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
