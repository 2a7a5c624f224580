"""A defect's (or all contacts') volume, cost and CPX per week or day, with empty buckets kept."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from dumbcontacts.analysis.economics.costs import price_facts
from dumbcontacts.analysis.economics.facts import count_driver, count_facts
from dumbcontacts.analysis.economics.scope import Scope, resolve_period
from dumbcontacts.errors import InputError
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import CostModel

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = ["FREQUENCIES", "bucket_starts", "defect_trend", "shape_trend"]

FREQUENCIES = ("week", "day")


def defect_trend(
    warehouse: Warehouse,
    defect_id: str | list[str] | None = None,
    *,
    freq: str = "week",
    by_channel: bool = False,
    since=None,
    until=None,
    channel=None,
    category=None,
    owner=None,
    costs: CostModel | None = None,
    driver: str = "orders",
    repeat_days: int = 7,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """Contacts, cost, repeats, driver units and CPX per ``freq`` bucket (ISO weeks start on
    Monday), for one defect, several, or every contact when ``defect_id`` is None.

    Columns: period_start, [channel,] contacts, cost_usd, repeat_contacts, driver_count, cpx.
    """
    if freq not in FREQUENCIES:
        raise InputError(f"freq must be one of {', '.join(FREQUENCIES)}")
    scope = Scope.of(since, until, channel, category, owner, defect_id)
    with warehouse.connect() as conn:
        since, until = resolve_period(conn, scope)
        facts = count_facts(conn, since, until, scope, repeat_days=repeat_days, bucket=freq)
        units = count_driver(conn, driver, since, until, bucket=freq)
    channels = sorted(set(facts["channel"]) | set(scope.channel)) if by_channel else None
    trend = shape_trend(
        facts, units, costs or CostModel(), bucket_starts(since, until, freq), channels
    )
    return trend if as_polars else trend.to_pandas()


def bucket_starts(since: dt.date, until: dt.date, freq: str) -> list[dt.date]:
    """The first day of every bucket that overlaps [since, until)."""
    step = dt.timedelta(days=7 if freq == "week" else 1)
    first = since - dt.timedelta(days=since.weekday()) if freq == "week" else since
    return [first + i * step for i in range((until - first + step - dt.timedelta(days=1)) // step)]


def shape_trend(
    facts: pl.DataFrame,
    units: pl.DataFrame,
    costs: CostModel,
    starts: list[dt.date],
    channels: list[str] | None = None,
) -> pl.DataFrame:
    """Bucketed ``count_facts`` rows priced and summed per bucket (and channel, if given);
    every bucket appears, with zero contacts where none came."""
    keys = ["period_start"] + (["channel"] if channels is not None else [])
    grid = pl.DataFrame({"period_start": starts}, schema={"period_start": pl.Date})
    if channels is not None:
        grid = grid.join(
            pl.DataFrame({"channel": channels}, schema={"channel": pl.Utf8}), how="cross"
        )
    # A fixed row order, so float sums come out the same on every call and engine.
    facts = facts.sort("period_start", "defect_id", "channel")
    summed = (
        facts.with_columns(cost_usd=price_facts(facts, costs))
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col("contacts").sum(),
            pl.col("cost_usd").sum(),
            pl.col("repeats").sum().alias("repeat_contacts"),
        )
    )
    return (
        grid.join(summed, on=keys, how="left")
        .join(units, on="period_start", how="left")
        .with_columns(
            pl.col("contacts", "repeat_contacts").fill_null(0), pl.col("cost_usd").fill_null(0.0)
        )
        .with_columns(
            cpx=pl.when(pl.col("driver_count") > 0).then(
                pl.col("contacts") * 1000 / pl.col("driver_count")
            )
        )
        .select(*keys, "contacts", "cost_usd", "repeat_contacts", "driver_count", "cpx")
        .sort(keys)
    )
