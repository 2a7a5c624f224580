"""What the pages read, each through an analysis function and the source's cache.

The ranking, headline figures, trends, emerging defects and fix checks are the notebook's own
figures (``shape_*`` of ``analysis.economics``) over the daily facts of every day
(``analysis.economics.facts``), read once per data version, so changing a filter costs
milliseconds at any volume. The rest (verbatims, topics, health) are cached per arguments.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dumbcontacts.analysis.economics.facts import DailyFacts, read_daily_facts
from dumbcontacts.analysis.economics.fixes import shape_fix
from dumbcontacts.analysis.economics.ranking import shape_headline, shape_ranking
from dumbcontacts.analysis.economics.scope import Scope
from dumbcontacts.analysis.economics.spikes import read_new_topics, shape_emerging
from dumbcontacts.analysis.economics.trends import shape_trend
from dumbcontacts.analysis.economics.verbatims import verbatims
from dumbcontacts.dashboard.filters import FilterOptions, Filters, clamp_days, default_period
from dumbcontacts.dashboard.source import DataSource
from dumbcontacts.etl.schema import CHANNELS

__all__ = [
    "read_daily",
    "read_emerging",
    "read_filter_options",
    "read_fix",
    "read_headline",
    "read_ranking",
    "read_trend",
    "read_verbatims",
    "resolve_filters",
    "warm_up",
]


def _read_daily_facts(warehouse, driver: str, repeat_days: int) -> DailyFacts:
    return read_daily_facts(warehouse, driver=driver, repeat_days=repeat_days)


def read_daily(source: DataSource) -> DailyFacts:
    return source.fetch("daily", _read_daily_facts, source.driver, source.repeat_days)


def warm_up(source: DataSource) -> None:
    """Read the daily table in the background as the server starts, so the first overview
    finds it ready. (The triage list and data health are read on their first visit: reading
    them here too would compete with that first overview for the CPU.)"""
    source.prefetch("daily", _read_daily_facts, source.driver, source.repeat_days)


def read_filter_options(source: DataSource) -> FilterOptions:
    daily = read_daily(source)
    catalogue = daily.catalogue
    first_day, last_day = clamp_days(daily.first_day, daily.last_day, source.window())
    return FilterOptions(
        channels=CHANNELS,
        categories=tuple(sorted(set(catalogue["category"].to_list()))),
        owners=tuple(sorted(set(catalogue["owner"].to_list()))),
        first_day=first_day,
        last_day=last_day,
    )


def resolve_filters(source: DataSource, filters: Filters) -> Filters:
    """The filters with an open period closed to the default one (the last weeks of data)."""
    daily = read_daily(source)
    return filters.resolved(default_period(daily.first_day, daily.last_day, source.window()))


def _scope(filters: Filters, defect_id: str | None = None) -> Scope:
    return Scope.of(**filters.analysis_kwargs(), defect_id=defect_id)


def read_ranking(source: DataSource, filters: Filters) -> pd.DataFrame:
    ranking = shape_ranking(read_daily(source), _scope(filters), costs=source.costs)
    return ranking.to_pandas()


def read_headline(source: DataSource, filters: Filters) -> pd.DataFrame:
    return shape_headline(read_daily(source), _scope(filters), costs=source.costs).to_pandas()


def read_trend(source: DataSource, defect_id: str, filters: Filters) -> pd.DataFrame:
    scope = _scope(filters, defect_id)
    return shape_trend(read_daily(source), scope, by_channel=True, costs=source.costs).to_pandas()


def read_emerging(source: DataSource, filters: Filters) -> pd.DataFrame:
    """Spikes and new topics in the last ISO week of the (resolved) period."""
    last_day = filters.until - dt.timedelta(days=1)
    new = source.fetch("new-topics", read_new_topics, last_day - dt.timedelta(last_day.weekday()))
    emerging = shape_emerging(read_daily(source), _scope(filters), week=last_day, new_topics=new)
    return emerging.to_pandas()


def read_verbatims(source: DataSource, defect_id: str, filters: Filters, n: int = 5):
    def compute(warehouse, defect_id, n, since, until, channel):
        return verbatims(
            warehouse, defect_id, n, since=since, until=until, channel=list(channel) or None
        )

    return source.fetch(
        "verbatims", compute, defect_id, n, filters.since, filters.until, filters.channel
    )


def read_fix(source: DataSource, defect_id: str, fix_date: dt.date, days: int, channel=()):
    fix = shape_fix(read_daily(source), defect_id, fix_date, days=days, channel=list(channel))
    return fix.to_pandas()
