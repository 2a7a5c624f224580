"""ISO weeks as the report names them ("2026-W47"): Monday to the next Monday, UTC."""

from __future__ import annotations

import datetime as dt
import re

from dumbcontacts.analysis.economics.spikes import iso_week

__all__ = ["last_complete_week", "week_bounds"]

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def week_bounds(week: str) -> tuple[dt.date, dt.date]:
    """The Monday a week starts and the Monday after it (exclusive). Raises ValueError."""
    match = _WEEK.fullmatch(week.strip())
    if match is None:
        raise ValueError(f"not an ISO week (YYYY-Www, e.g. 2026-W47): {week!r}")
    year, number = int(match[1]), int(match[2])
    try:
        monday = dt.date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(f"{year} has no week {number}") from None
    if monday > dt.date.max - dt.timedelta(days=7):
        raise ValueError(f"{week.strip()} ends after the last day a date can hold")
    return monday, monday + dt.timedelta(days=7)


def last_complete_week(today: dt.date) -> str:
    """The latest week that ended before ``today``: on any day, the week before this one."""
    return iso_week(today - dt.timedelta(days=7))
