"""ISO weeks as the report names them ("2026-W47"): Monday to the next Monday, UTC."""

from __future__ import annotations

import datetime as dt
import re

from dumbcontacts.analysis.economics.scope import as_day
from dumbcontacts.errors import InputError

__all__ = ["iso_week", "last_complete_week", "parse_week", "week_bounds"]

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(week: str | dt.date) -> dt.date:
    """The Monday of an ISO week given as "2026-W38" or any day in it."""
    if isinstance(week, dt.date):
        return week - dt.timedelta(days=week.weekday())
    try:
        return (
            dt.date.fromisoformat(f"{week.strip()}-1") if "W" in week else parse_week(as_day(week))
        )
    except ValueError:
        raise InputError(f"not an ISO week (like 2026-W38) or date: {week!r}") from None


def week_bounds(week: str) -> tuple[dt.date, dt.date]:
    """The Monday a week starts and the Monday after it (exclusive). Raises InputError."""
    match = _WEEK.fullmatch(week.strip())
    if match is None:
        raise InputError(f"not an ISO week (YYYY-Www, e.g. 2026-W47): {week!r}")
    year, number = int(match[1]), int(match[2])
    try:
        monday = dt.date.fromisocalendar(year, number, 1)
    except ValueError:
        raise InputError(f"{year} has no week {number}") from None
    if monday > dt.date.max - dt.timedelta(days=7):
        raise InputError(f"{week.strip()} ends after the last day a date can hold")
    return monday, monday + dt.timedelta(days=7)


def last_complete_week(today: dt.date) -> str:
    """The latest week that ended before ``today``: on any day, the week before this one."""
    return iso_week(today - dt.timedelta(days=7))
