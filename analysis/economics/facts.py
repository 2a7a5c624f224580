"""Counts the warehouse aggregates for every metric: contacts, handled seconds, repeats.

Only integer counts come back (per period or week, defect and channel), so the database does
the heavy lifting and pricing, shares and rates stay pure functions over small frames.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import BigInteger, Connection, Date, case, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from dumbcontacts.analysis.economics.scope import ALL, Scope, defect_contacts
from dumbcontacts.etl.schema import business_volumes

__all__ = ["FACT_SCHEMA", "count_facts", "count_driver"]

FACT_SCHEMA = {
    "defect_id": pl.Utf8,
    "action": pl.Utf8,
    "channel": pl.Utf8,
    "contacts": pl.Int64,
    "handled_seconds": pl.Int64,  # summed over the contacts with a known handle time
    "unhandled": pl.Int64,  # contacts without a handle time: priced at the flat rate
    "repeats": pl.Int64,  # contacts the same customer followed up within the window
    "cross_channel": pl.Int64,  # of those, follow-ups on another channel
}


def count_facts(
    conn: Connection,
    since: dt.date,
    until: dt.date,
    scope: Scope = ALL,
    *,
    repeat_days: int = 7,
    bucket: str | None = None,
    split_at: dt.date | None = None,
) -> pl.DataFrame:
    """Counts per defect and channel for contacts in [since, until).

    ``bucket`` ("week" or "day") adds a ``period_start`` date column; ``split_at`` adds
    ``current`` (started on or after it) so one query covers a period and the one before.
    """
    base = defect_contacts(conn, since, until, scope, repeat_days=repeat_days).subquery()
    keys: list[ColumnElement] = []
    if bucket is not None:
        keys.append(cast(func.date_trunc(bucket, base.c.started_at), Date()).label("period_start"))
    if split_at is not None:
        start = dt.datetime.combine(split_at, dt.time())
        keys.append((base.c.started_at >= start).label("current"))
    keys += [base.c.defect_id, base.c.action, base.c.channel]
    other_channel = case((base.c.repeat_channel != base.c.channel, 1), else_=0)
    query = (
        select(
            *keys,
            func.count().label("contacts"),
            cast(func.coalesce(func.sum(base.c.handle_seconds), 0), BigInteger),
            (func.count() - func.count(base.c.handle_seconds)).label("unhandled"),
            func.count(base.c.repeat_after).label("repeats"),
            cast(func.coalesce(func.sum(other_channel), 0), BigInteger),
        )
        .group_by(*keys)
        .order_by(*keys)
    )  # ordered, so float sums later add up the same way
    schema: dict[str, pl.DataType] = {}
    if bucket is not None:
        schema["period_start"] = pl.Date
    if split_at is not None:
        schema["current"] = pl.Boolean
    schema |= FACT_SCHEMA
    return pl.DataFrame(conn.execute(query).all(), schema=schema, orient="row")


def count_driver(
    conn: Connection, driver: str, since: dt.date, until: dt.date, *, bucket: str | None = None
) -> pl.DataFrame | int:
    """Units of a business driver (orders, ...) in [since, until): a total, or per bucket."""
    day = business_volumes.c.day
    in_period = (business_volumes.c.driver == driver) & (day >= since) & (day < until)
    units = cast(func.coalesce(func.sum(business_volumes.c.count), 0), BigInteger)
    if bucket is None:
        return int(conn.execute(select(units).where(in_period)).scalar_one())
    start = cast(func.date_trunc(bucket, day), Date()).label("period_start")
    rows = conn.execute(select(start, units).where(in_period).group_by(start)).all()
    return pl.DataFrame(
        rows, schema={"period_start": pl.Date, "driver_count": pl.Int64}, orient="row"
    )
