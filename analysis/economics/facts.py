"""The one count behind every metric: contacts per day, defect, action and channel.

``read_daily_facts`` asks the warehouse for integer counts per day (contacts, handled seconds,
repeats, ...) and the driver's daily volumes: a few thousand rows however many contacts there
are. Every figure (ranking, headline, trend, spikes, fix check) is then a pure function over
those rows (``DailyFacts``), so the database does the heavy lifting and pricing, shares and
rates stay small-frame arithmetic. An interactive reader (the dashboard) reads every day once
per data version; a one-off question (the command line, the notebook) reads only the days and
filters it needs. Both give the same figures, because they run the same functions over the
same rows.

A contact's repeat flag looks ahead ``repeat_days`` from the contact, across channels,
whatever period is read, so a day's counts are the same in any read that contains the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from sqlalchemy import BigInteger, Connection, cast, func, select

from dumbcontacts.analysis.economics.scope import (
    ALL,
    Scope,
    close_period,
    contact_days,
    current_model_version,
    defect_catalogue,
    with_defects,
)
from dumbcontacts.analysis.economics.topic_days import count_topic_days, stored_topic_days
from dumbcontacts.etl.schema import business_volumes
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import CPX_DRIVER, REPEAT_WINDOW_DAYS

__all__ = [
    "COUNTS",
    "FACT_SCHEMA",
    "DailyFacts",
    "Span",
    "count_daily_facts",
    "count_daily_volumes",
    "read_daily_facts",
]

FACT_SCHEMA = {
    "day": pl.Date,
    "defect_id": pl.Utf8,
    "action": pl.Utf8,
    "channel": pl.Utf8,
    "contacts": pl.Int64,
    "handled_seconds": pl.Int64,  # summed over the contacts with a known handle time
    "unhandled": pl.Int64,  # contacts without a handle time: priced at the flat rate
    "repeats": pl.Int64,  # contacts the same customer followed up within the window
    "cross_channel": pl.Int64,  # of those, follow-ups on another channel
}
COUNTS = [name for name, dtype in FACT_SCHEMA.items() if dtype == pl.Int64]
_VOLUME_SCHEMA = {"day": pl.Date, "driver_count": pl.Int64}
_EVER = (dt.date(1, 1, 1), dt.date(9999, 12, 31))

# The days a question needs, from its resolved period [since, until).
Span = Callable[[dt.date, dt.date], tuple[dt.date, dt.date]]


@dataclass(frozen=True)
class DailyFacts:
    facts: pl.DataFrame  # FACT_SCHEMA: one row per day, defect, action and channel
    catalogue: pl.DataFrame  # defect_id, name, category, owner, action (+ "unmapped")
    volumes: pl.DataFrame  # day, driver_count
    first_day: dt.date | None  # of the first and the last contact in the warehouse
    last_day: dt.date | None

    def period(self, scope: Scope) -> tuple[dt.date, dt.date]:
        """The scope's [since, until), open ends closed at the first and last contact's day."""
        return close_period(scope, self.first_day, self.last_day)

    def select(self, scope: Scope, since: dt.date, until: dt.date) -> pl.DataFrame:
        """The rows of [since, until) that match the scope's channel, category, owner and
        defect filters (the scope's own period is ignored)."""
        frame = self.facts.filter(pl.col("day").is_between(since, until, closed="left"))
        if scope.channel:
            frame = frame.filter(pl.col("channel").is_in(scope.channel))
        if scope.defect_id:
            frame = frame.filter(pl.col("defect_id").is_in(scope.defect_id))
        if scope.category or scope.owner:
            chosen = self.catalogue
            if scope.category:
                chosen = chosen.filter(pl.col("category").is_in(scope.category))
            if scope.owner:
                chosen = chosen.filter(pl.col("owner").is_in(scope.owner))
            frame = frame.filter(pl.col("defect_id").is_in(chosen["defect_id"].implode()))
        return frame

    def units(self, since: dt.date, until: dt.date) -> int:
        """Driver units (orders, ...) in [since, until)."""
        days = self.volumes.filter(pl.col("day").is_between(since, until, closed="left"))
        return int(days["driver_count"].sum())


def read_daily_facts(
    warehouse: Warehouse,
    scope: Scope | None = None,
    *,
    span: Span | None = None,
    driver: str = CPX_DRIVER,
    repeat_days: int = REPEAT_WINDOW_DAYS,
) -> DailyFacts:
    """The daily facts and volumes of every day (``scope`` None: what an interactive reader
    keeps), or of the days ``span`` picks from the scope's resolved period (by default the
    period itself), narrowed in the warehouse to the scope's channel, category, owner and
    defect filters."""
    with warehouse.connect() as conn:
        first_day, last_day = contact_days(conn)
        catalogue = defect_catalogue(conn)
        if scope is None:
            scope, (since, until) = ALL, _EVER
        else:
            since, until = close_period(scope, first_day, last_day)
            since, until = span(since, until) if span else (since, until)
        volumes = count_daily_volumes(conn, driver, since, until)
        if first_day is None:
            facts = pl.DataFrame(schema=FACT_SCHEMA)
        else:  # no further than the contacts go (the repeat look-ahead must not overflow)
            since = max(since, first_day)
            until = max(since, min(until, last_day + dt.timedelta(days=1)))
            facts = count_daily_facts(conn, since, until, scope, repeat_days=repeat_days)
    return DailyFacts(facts, catalogue, volumes, first_day, last_day)


def count_daily_facts(
    conn: Connection,
    since: dt.date,
    until: dt.date,
    scope: Scope = ALL,
    *,
    repeat_days: int = REPEAT_WINDOW_DAYS,
) -> pl.DataFrame:
    """The counts of FACT_SCHEMA for contacts started in [since, until) within the scope's
    filters, per day, defect, action and channel, ordered by them."""
    version = current_model_version(conn)
    per_topic = stored_topic_days(conn, since, until, scope, version, repeat_days=repeat_days)
    if per_topic is None:
        per_topic = count_topic_days(conn, since, until, scope, version, repeat_days=repeat_days)
    # Counted per topic, then mapped to defects: the map joins a few thousand rows.
    per_topic = per_topic.subquery()
    mapped = with_defects(per_topic, version, scope, [per_topic.c.day, per_topic.c.channel])
    mapped = mapped.add_columns(*(per_topic.c[name] for name in COUNTS)).subquery()
    keys = [mapped.c.day, mapped.c.defect_id, mapped.c.action, mapped.c.channel]
    query = (
        select(
            *keys,
            *(cast(func.coalesce(func.sum(mapped.c[name]), 0), BigInteger) for name in COUNTS),
        )
        .group_by(*keys)
        .order_by(*keys)
    )
    return pl.DataFrame(conn.execute(query).all(), schema=FACT_SCHEMA, orient="row")


def count_daily_volumes(
    conn: Connection, driver: str, since: dt.date, until: dt.date
) -> pl.DataFrame:
    """Units of a business driver (orders, ...) per day of [since, until)."""
    day = business_volumes.c.day
    in_period = (business_volumes.c.driver == driver) & (day >= since) & (day < until)
    units = cast(func.coalesce(func.sum(business_volumes.c.count), 0), BigInteger)
    rows = conn.execute(select(day, units).where(in_period).group_by(day).order_by(day)).all()
    return pl.DataFrame(rows, schema=_VOLUME_SCHEMA, orient="row")
