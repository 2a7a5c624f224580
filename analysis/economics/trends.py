"""A defect's (or all contacts') volume, cost and CPX per week or day, with empty buckets kept."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from dumbcontacts.analysis.economics.costs import price_facts
from dumbcontacts.analysis.economics.facts import COUNTS, DailyFacts, read_daily_facts
from dumbcontacts.analysis.economics.scope import ALL, Scope
from dumbcontacts.errors import InputError
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import CPX_DRIVER, REPEAT_WINDOW_DAYS, CostModel

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
    driver: str = CPX_DRIVER,
    repeat_days: int = REPEAT_WINDOW_DAYS,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """Contacts, cost, repeats, driver units and CPX per ``freq`` bucket (ISO weeks start on
    Monday), for one defect, several, or every contact when ``defect_id`` is None.

    Columns: period_start, [channel,] contacts, cost_usd, repeat_contacts, driver_count, cpx.
    """
    _check_freq(freq)
    scope = Scope.of(since, until, channel, category, owner, defect_id)
    daily = read_daily_facts(warehouse, scope, driver=driver, repeat_days=repeat_days)
    trend = shape_trend(daily, scope, freq=freq, by_channel=by_channel, costs=costs)
    return trend if as_polars else trend.to_pandas()


def bucket_starts(since: dt.date, until: dt.date, freq: str) -> list[dt.date]:
    """The first day of every bucket that overlaps [since, until)."""
    step = dt.timedelta(days=7 if freq == "week" else 1)
    first = since - dt.timedelta(days=since.weekday()) if freq == "week" else since
    return [first + i * step for i in range((until - first + step - dt.timedelta(days=1)) // step)]


def shape_trend(
    daily: DailyFacts,
    scope: Scope = ALL,
    *,
    freq: str = "week",
    by_channel: bool = False,
    costs: CostModel | None = None,
) -> pl.DataFrame:
    """The trend of the scope's period from its daily facts (see ``defect_trend``): the counts
    summed per bucket (and channel, with ``by_channel``), then priced; every bucket appears,
    with zero contacts where none came."""
    _check_freq(freq)
    since, until = daily.period(scope)
    bucket = pl.col("day").dt.truncate("1w") if freq == "week" else pl.col("day")
    keys = ["period_start"] + (["channel"] if by_channel else [])
    grid = pl.DataFrame({"period_start": bucket_starts(since, until, freq)},
                        schema={"period_start": pl.Date})  # fmt: skip
    facts = daily.select(scope, since, until)
    if by_channel:  # every channel seen or asked for, even where it has no contacts
        channels = sorted(set(facts["channel"]) | set(scope.channel))
        grid = grid.join(pl.DataFrame({"channel": channels}, schema={"channel": pl.Utf8}),
                         how="cross")  # fmt: skip
    # Integer sums first, then prices in a fixed row order: the same floats from any read.
    counts = (
        facts.with_columns(period_start=bucket)
        .group_by("period_start", "defect_id", "channel")
        .agg(pl.col(COUNTS).sum())
        .sort("period_start", "defect_id", "channel")
    )
    summed = (
        counts.with_columns(cost_usd=price_facts(counts, costs or CostModel()))
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col("contacts").sum(),
            pl.col("cost_usd").sum(),
            pl.col("repeats").sum().alias("repeat_contacts"),
        )
    )
    units = (
        daily.volumes.filter(pl.col("day").is_between(since, until, closed="left"))
        .group_by(bucket.alias("period_start"))
        .agg(pl.col("driver_count").sum())
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


def _check_freq(freq: str) -> None:
    if freq not in FREQUENCIES:
        raise InputError(f"freq must be one of {', '.join(FREQUENCIES)}")
