"""The whole warehouse as one small daily table, so any filter is answered in milliseconds.

``read_daily_facts`` asks the warehouse once for the counts behind every metric, per day,
defect and channel (``analysis.economics.facts.count_facts``), plus the daily business volumes. That
is a few thousand rows however many contacts there are. ``rank_daily``, ``headline_daily``
and ``trend_daily`` then answer a period and filters from it with the same pure shaping
functions as ``rank_defects`` and ``headline_figures``, so the figures are the same; an
interactive reader (the dashboard) reads the table once per data version.

A contact's repeat flag looks ahead ``repeat_days`` from the contact, across channels,
whatever the period asked about, so counting per day and summing gives the same repeats as
counting the period directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import func, select

from dumbcontacts.analysis.economics.facts import FACT_SCHEMA, count_driver, count_facts
from dumbcontacts.analysis.economics.fixes import shape_fix
from dumbcontacts.analysis.economics.ranking import shape_headline, shape_ranking
from dumbcontacts.analysis.economics.scope import ALL, Scope, defect_catalogue
from dumbcontacts.analysis.economics.trends import FREQUENCIES, bucket_starts, shape_trend
from dumbcontacts.errors import InputError
from dumbcontacts.etl.schema import contacts
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import CostModel

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = [
    "DailyFacts",
    "headline_daily",
    "rank_daily",
    "read_daily_facts",
    "scoped_facts",
    "trend_daily",
    "verify_fix_daily",
]

_EVER = (dt.date(1, 1, 1), dt.date(9999, 12, 31))
_DAILY_SCHEMA = {"period_start": pl.Date, **FACT_SCHEMA}


@dataclass(frozen=True)
class DailyFacts:
    facts: pl.DataFrame  # period_start (a day), defect_id, action, channel, counts...
    catalogue: pl.DataFrame  # defect_id, name, category, owner, action (+ "unmapped")
    volumes: pl.DataFrame  # period_start (a day), driver_count
    first_day: dt.date | None  # of the first and last contact
    last_day: dt.date | None

    def period(self, scope: Scope) -> tuple[dt.date, dt.date]:
        """The scope's [since, until), open ends closed at the first and last contact's day
        (as ``dumbcontacts.analysis.economics.scope.resolve_period``)."""
        today = dt.date.today()
        since = scope.since or self.first_day or today
        until = scope.until or ((self.last_day or today) + dt.timedelta(days=1))
        return since, max(until, since + dt.timedelta(days=1))


def read_daily_facts(warehouse: Warehouse, *, driver: str = "orders", repeat_days: int = 7):
    """Every contact counted per day, defect and channel, and the driver's daily volumes."""
    with warehouse.connect() as conn:
        first, last = conn.execute(
            select(func.min(contacts.c.started_at), func.max(contacts.c.started_at))
        ).one()
        catalogue = defect_catalogue(conn)
        volumes = count_driver(conn, driver, *_EVER, bucket="day")
        if first is None:
            facts = pl.DataFrame(schema=_DAILY_SCHEMA)
        else:
            period = first.date(), last.date() + dt.timedelta(days=1)
            facts = count_facts(conn, *period, ALL, repeat_days=repeat_days, bucket="day")
    return DailyFacts(
        facts, catalogue, volumes, first.date() if first else None, last.date() if last else None
    )


def scoped_facts(daily: DailyFacts, scope: Scope, since: dt.date, until: dt.date) -> pl.DataFrame:
    """The daily rows in [since, until) that match the scope's channel, category and owner."""
    frame = daily.facts.filter(pl.col("period_start").is_between(since, until, closed="left"))
    if scope.channel:
        frame = frame.filter(pl.col("channel").is_in(scope.channel))
    if scope.defect_id:
        frame = frame.filter(pl.col("defect_id").is_in(scope.defect_id))
    if scope.category or scope.owner:
        chosen = daily.catalogue
        if scope.category:
            chosen = chosen.filter(pl.col("category").is_in(scope.category))
        if scope.owner:
            chosen = chosen.filter(pl.col("owner").is_in(scope.owner))
        frame = frame.filter(pl.col("defect_id").is_in(chosen["defect_id"].implode()))
    return frame


def _units(daily: DailyFacts, since: dt.date, until: dt.date) -> int:
    days = daily.volumes.filter(pl.col("period_start").is_between(since, until, closed="left"))
    return int(days["driver_count"].sum())


def _split_facts(daily: DailyFacts, scope: Scope):
    """As ``count_facts(..., split_at=since)`` over the period and the one before it."""
    since, until = daily.period(scope)
    before = since - (until - since)
    keys = ["current", "defect_id", "action", "channel"]
    facts = (
        scoped_facts(daily, scope, before, until)
        .with_columns(current=pl.col("period_start") >= since)
        .group_by(keys)
        .agg(pl.col(c).sum() for c in FACT_SCHEMA if c not in keys)
    )
    return facts, _units(daily, since, until), _units(daily, before, since)


def _never_empty(facts: pl.DataFrame, day: dt.date) -> tuple[pl.DataFrame, bool]:
    """``facts``, or one all-zero row when it is empty (and whether it was).

    ``price_facts`` cannot price an empty frame (polars drops the dtype of an empty
    replacement map), so nothing in scope is shaped from a zero row and trimmed after.
    """
    if not facts.is_empty():
        return facts, False
    zero = {"defect_id": "unmapped", "action": "triage", "channel": "phone", "current": True,
            "period_start": day}  # fmt: skip
    row = {c: zero.get(c, 0) for c in facts.columns}
    return pl.DataFrame([row], schema=facts.schema, orient="row"), True


def rank_daily(
    daily: DailyFacts,
    scope: Scope = ALL,
    *,
    costs: CostModel | None = None,
    order: str = "cost",
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """``rank_defects`` for the scope, from the daily table."""
    facts, units, units_before = _split_facts(daily, scope)
    facts, empty = _never_empty(facts, daily.period(scope)[0])
    ranked = shape_ranking(facts, daily.catalogue, costs or CostModel(), units, units_before, order)
    ranked = ranked.head(0) if empty else ranked
    return ranked if as_polars else ranked.to_pandas()


def headline_daily(
    daily: DailyFacts, scope: Scope = ALL, *, costs: CostModel | None = None, as_polars=False
) -> pd.DataFrame | pl.DataFrame:
    """``headline_figures`` for the scope, from the daily table."""
    facts, units, units_before = _split_facts(daily, scope)
    facts, _ = _never_empty(facts, daily.period(scope)[0])  # zero counts: the same figures
    figures = shape_headline(facts, costs or CostModel(), units, units_before)
    return figures if as_polars else figures.to_pandas()


def trend_daily(
    daily: DailyFacts,
    defect_id: str | list[str] | None = None,
    scope: Scope = ALL,
    *,
    freq: str = "week",
    by_channel: bool = False,
    costs: CostModel | None = None,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """``defect_trend`` for the scope, from the daily table: period_start, [channel,]
    contacts, cost_usd, repeat_contacts, driver_count, cpx per week (Monday) or day."""
    if freq not in FREQUENCIES:
        raise InputError(f"freq must be one of {', '.join(FREQUENCIES)}")
    if defect_id is not None:
        scope = dataclasses.replace(scope, defect_id=Scope.of(defect_id=defect_id).defect_id)
    since, until = daily.period(scope)
    bucket = pl.col("period_start")
    if freq == "week":
        bucket = bucket.dt.truncate("1w")
    facts = scoped_facts(daily, scope, since, until).with_columns(period_start=bucket)
    units = (
        daily.volumes.filter(pl.col("period_start").is_between(since, until, closed="left"))
        .with_columns(period_start=bucket)
        .group_by("period_start")
        .agg(pl.col("driver_count").sum())
    )
    channels = sorted(set(facts["channel"]) | set(scope.channel)) if by_channel else None
    facts, _ = _never_empty(facts, since)  # zero counts add nothing to any bucket
    trend = shape_trend(
        facts, units, costs or CostModel(), bucket_starts(since, until, freq), channels
    )
    return trend if as_polars else trend.to_pandas()


def verify_fix_daily(
    daily: DailyFacts,
    defect_id: str,
    fix_date: dt.date,
    *,
    days: int = 28,
    channel=None,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """``verify_fix`` from the daily table: the defect's contacts and CPX in the ``days``
    before ``fix_date`` and the ``days`` from it on, and the after row's CPX change."""
    if days < 1:
        raise InputError("days must be at least 1")
    before, after = fix_date - dt.timedelta(days=days), fix_date + dt.timedelta(days=days)
    scope = Scope.of(channel=channel, defect_id=defect_id)
    spans = ((before, fix_date), (fix_date, after))
    contacts_in = [int(scoped_facts(daily, scope, *span)["contacts"].sum()) for span in spans]
    units = [_units(daily, *span) for span in spans]
    frame = shape_fix(fix_date, days, contacts_in, units)
    return frame if as_polars else frame.to_pandas()
