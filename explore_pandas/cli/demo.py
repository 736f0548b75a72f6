"""``explore-pandas demo``: the README's main job, a multi-window pull on the emulator.

It shows what a newcomer needs to see in one screen: rows, windows and jobs,
the columns with their dtypes and time zones, and a small daily summary in
local time, all from the embedded emulator with no account.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from explore_pandas.cli.commands import plural

if TYPE_CHECKING:
    import pandas as pd

DEMO_DAYS = 92  # three windows of at most 31 days
#: The call types of a conversation (the others: abandoned, missed, voicemail, outbound_missed).
ANSWERED = ("inbound", "outbound")


def run_demo(*, tz: str = "Europe/Lisbon", days: int = DEMO_DAYS, seed: int = 0,
             out: TextIO | None = None, progress: bool | str = "auto") -> int:
    """Pull ``days`` of calls ending at today's local midnight from the emulator and describe them."""
    from explore_pandas.api.client import Client
    from explore_pandas.api.validation import check_timezone
    from explore_pandas.cli.errors import check_days
    from explore_pandas.emulator import Emulator
    from explore_pandas.engines.read import read_report

    out = out or sys.stdout
    zone = check_timezone(tz)
    check_days(days)
    end = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    check_demo_range(end.replace(tzinfo=None), days, tz)  # before the emulator starts or anything is said
    start = (end - timedelta(days=days)).replace(tzinfo=None)
    with Emulator(seed=seed, progression={"seconds": 2}) as emu, Client(**emu.credentials) as client:
        print(f"Explore API emulator at {emu.base_url} (offline, synthetic data, no account needed)", file=out)
        print(f"Pulling calls from {start:%Y-%m-%d} to {end:%Y-%m-%d} ({plural(days, 'day')}) in {tz}\n",
              file=out, flush=True)
        df = read_report("calls", start=start, end=end.replace(tzinfo=None), tz=tz, client=client,
                         progress=progress, ledger=False)  # the emulator's jobs end with it
        meta = df.attrs["explore"]
        print(describe(df, meta), file=out)
        stats = emu.stats()
        print(f"\nThe emulator saw {plural(stats['jobs_created'], 'job')}, at most {stats['max_running']} "
              f"running at once (the account quota is 15), and {plural(stats['requests'].get('storage', 0), 'download')}, "
              f"{stats['storage_requests_with_authorization']} of them carrying a bearer token.", file=out)
    return 0


def check_demo_range(end: datetime, days: int, tz: str) -> None:
    """Refuse a ``--days`` that needs more report jobs than a pull makes unless told, in the demo's words
    (the demo has no ``--max-jobs``: the most days it takes, instead)."""
    from explore_pandas.exceptions import ValidationError
    from explore_pandas.pulls.plan import MAX_JOBS, plan_pull

    def fits(count: int) -> bool:
        try:
            plan_pull("calls", start=(end - timedelta(days=count)).isoformat(), end=end.isoformat(), tz=tz)
        except ValidationError as error:
            if not any(f.get("name") == "max_jobs" for f in getattr(error, "fields", []) if isinstance(f, dict)):
                raise
            return False
        return True

    if days <= MAX_JOBS * 31 and fits(days):
        return
    most = next(count for count in range(MAX_JOBS * 31, 0, -1) if fits(count))
    raise ValidationError(f"days: {days:,} days would take more than the {MAX_JOBS} report jobs (windows of at "
                          f"most 31 days) that the demo makes. Use --days {most} or fewer.",
                          fields=[{"name": "days", "description": f"at most {most}"}])


def describe(df: pd.DataFrame, meta: dict[str, Any]) -> str:
    """The demo's report of a pulled frame."""
    lines = [
        f"{plural(len(df), 'row')} from {plural(len(meta['windows']), 'window')} ({plural(len(meta['jobs']), 'job')}), "
        f"truncated: {'yes' if meta['truncated'] else 'no'}",
    ]
    for window in meta["windows"]:
        lines.append(f"  {window['start'][:10]} .. {window['end'][:10]}  job {window['job_id'][:8]}  {window['rows']:>8,} rows")
    lines.append(f"\n{len(df.columns)} columns; the datetime ones are in {meta['timezone']}:")
    kinds = df.dtypes.astype(str)
    shown = [c for c in df.columns if "datetime" in kinds[c]] + [c for c in df.columns[:8] if "datetime" not in kinds[c]]
    for column in shown:
        lines.append(f"  {column:<28} {kinds[column]}")
    lines.append(f"  ... and {len(df.columns) - len(shown)} more")
    summary = daily_summary(df).tail(7)
    heading = "Last day" if len(summary) == 1 else f"Last {len(summary)} days"
    lines.append(f"\n{heading}, local time:\n" + summary.to_string())
    return "\n".join(lines)


def daily_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Calls per local day: how many, the inbound share, and the median talk time of the answered ones.

    Abandoned, missed and voicemail calls have no talk: counted in, they would make a day with many of
    them read as one of short conversations.
    """
    import pandas as pd

    day = df["end_at"].dt.strftime("%Y-%m-%d %a").rename("day")
    answered = df["type"].isin(ANSWERED)
    talk = pd.to_numeric(df["talk_time"])[answered]
    summary: pd.DataFrame = pd.DataFrame({
        "calls": df.groupby(day).size(),
        "inbound %": df["type"].eq("inbound").groupby(day).mean().mul(100).round(1),
        "answered %": answered.groupby(day).mean().mul(100).round(1),
        "median talk (s) of answered": talk.groupby(day[answered]).median().round().astype("Int64"),
    })
    return summary
