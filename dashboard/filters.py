"""The filters a view is about (period, channel, category, owner), to and from the URL.

A view's filters live in its query string (``?since=2026-09-01&until=2026-10-01&channel=chat``),
so it can be shared and bookmarked. ``until`` is exclusive, as in the command line and the
analysis functions; the date picker shows the last day included. Without dates a view shows
the last ``DEFAULT_DAYS`` days that have data, against the same number of days before them.
A date outside the plausibility window (``TimeWindow``, as at load) is dropped like a date
that does not parse: the view falls back to the default period, never to an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from dumbcontacts.settings import TimeWindow

__all__ = [
    "DEFAULT_DAYS",
    "FilterOptions",
    "Filters",
    "clamp_days",
    "day_of",
    "default_period",
    "filter_bar",
    "filters_from_controls",
]

DEFAULT_DAYS = 28
_LISTS = ("channel", "category", "owner")


def day_of(value, window: TimeWindow, *, exclusive_end: bool = False) -> dt.date | None:
    """A day from a URL or a control; None (the default period) for a bad or absurd one."""
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10]) if value else None
        except ValueError:
            return None  # a hand-edited URL with a bad date falls back to the default period
    return day if day and window.holds_day(day, exclusive_end=exclusive_end) else None


def _names(value) -> tuple[str, ...]:
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else list(value)
    return tuple(sorted({v for v in values if v}))


@dataclass(frozen=True)
class Filters:
    since: dt.date | None = None
    until: dt.date | None = None  # exclusive
    channel: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()

    @classmethod
    def from_query(
        cls, query: Mapping[str, str | Sequence[str]], window: TimeWindow | None = None
    ) -> Filters:
        """From parsed query parameters; bad, backwards or absurd dates (outside ``window``,
        default ``TimeWindow.ending_days_ahead()``) are dropped, not an error."""
        window = window or TimeWindow.ending_days_ahead()
        since = day_of(query.get("since"), window)
        until = day_of(query.get("until"), window, exclusive_end=True)
        if since and until and until <= since:
            since = until = None
        return cls(since, until, *(_names(query.get(name)) for name in _LISTS))

    def to_search(self) -> str:
        """The query string (with its ``?``), or "" when nothing is filtered."""
        pairs = [(k, v.isoformat()) for k, v in (("since", self.since), ("until", self.until)) if v]
        pairs += [(name, value) for name in _LISTS for value in getattr(self, name)]
        return "?" + urlencode(pairs) if pairs else ""

    def resolved(self, period: tuple[dt.date, dt.date]) -> Filters:
        """These filters with the period filled in where the URL left it open."""
        return Filters(
            self.since or period[0], self.until or period[1], self.channel, self.category,
            self.owner,
        )  # fmt: skip

    def analysis_kwargs(self) -> dict:
        """Keyword filters for the analysis functions (None where not filtered)."""
        lists = {name: list(getattr(self, name)) or None for name in _LISTS}
        return {"since": self.since, "until": self.until, **lists}


@dataclass(frozen=True)
class FilterOptions:
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    first_day: dt.date | None = None  # of the data, for the date picker's bounds
    last_day: dt.date | None = None


def default_period(
    first_day: dt.date | None, last_day: dt.date | None, window: TimeWindow | None = None
) -> tuple[dt.date, dt.date]:
    """The last ``DEFAULT_DAYS`` days with data, as [since, until), within ``window``
    (default ``TimeWindow.ending_days_ahead()``): a warehouse loaded before the window was
    enforced may hold a contact of 2206, which must not move the view there."""
    first_day, last_day = clamp_days(first_day, last_day, window)
    last = last_day or dt.date.today()
    since = last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first_day is not None:
        since = max(first_day, min(since, last))
    return since, last + dt.timedelta(days=1)


def clamp_days(
    first_day: dt.date | None, last_day: dt.date | None, window: TimeWindow | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """The data's first and last day, moved into ``window`` where they fall outside it."""
    window = window or TimeWindow.ending_days_ahead()
    earliest, latest = window.earliest.date(), window.latest.date()
    return tuple(
        None if d is None else min(max(d, earliest), latest) for d in (first_day, last_day)
    )


def filters_from_controls(
    start_date,
    end_date,
    channel,
    category,
    owner,
    default: tuple[dt.date, dt.date],
    window: TimeWindow | None = None,
) -> Filters:
    """The filters the controls show. ``end_date`` is inclusive; the default period is kept
    out of the URL, so a bookmark of the default view keeps following new data. Dates
    outside ``window`` (default ``TimeWindow.ending_days_ahead()``) are dropped."""
    window = window or TimeWindow.ending_days_ahead()
    since, last = day_of(start_date, window), day_of(end_date, window)
    until = last + dt.timedelta(days=1) if last else None
    if (since, until) == default or (since and until and until <= since):
        since = until = None
    return Filters(since, until, _names(channel), _names(category), _names(owner))


def filter_bar(
    page: str, filters: Filters, options: FilterOptions, lists: Sequence[str] = _LISTS
) -> dbc.Row:
    """The filter controls of a page: the period, and a dropdown for each of ``lists``; their
    ids are ``{page}-dates``, ``{page}-channel``, ``{page}-category``, ``{page}-owner``."""
    shown = filters.resolved(default_period(options.first_day, options.last_day))
    dates = dcc.DatePickerRange(
        id=f"{page}-dates",
        start_date=shown.since.isoformat(),
        end_date=(shown.until - dt.timedelta(days=1)).isoformat(),
        min_date_allowed=options.first_day.isoformat() if options.first_day else None,
        max_date_allowed=options.last_day.isoformat() if options.last_day else None,
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
    )
    columns = [dbc.Col([html.Div("Period", className="small text-muted"), dates], md=3)]
    for name, label, values in (
        ("channel", "channels", options.channels),
        ("category", "categories", options.categories),
        ("owner", "owners", options.owners),
    ):
        if name not in lists:
            continue
        dropdown = dcc.Dropdown(
            id=f"{page}-{name}",
            options=[{"label": v, "value": v} for v in values],
            value=list(getattr(filters, name)),
            multi=True,
            placeholder=f"All {label}",
        )
        columns.append(
            dbc.Col([html.Div(label.capitalize(), className="small text-muted"), dropdown], md=3)
        )
    return dbc.Row(columns, className="g-2 mb-3 align-items-end")
