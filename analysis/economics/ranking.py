"""Rank defects by what they cost, and the headline figures of a period.

``rank_defects`` and ``headline_figures`` read the daily facts of the period and the one before
it (``economics.facts``); the pure ``shape_ranking`` and ``shape_headline`` price, share and
compare them, from that read or from the dashboard's read of every day alike.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from dumbcontacts.analysis.economics.costs import price_facts
from dumbcontacts.analysis.economics.facts import COUNTS, DailyFacts, read_daily_facts
from dumbcontacts.analysis.economics.scope import ALL, Scope
from dumbcontacts.errors import InputError
from dumbcontacts.etl.schema import CHANNELS
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import CPX_DRIVER, REPEAT_WINDOW_DAYS, CostModel

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = [
    "HEADLINE_METRICS",
    "RANK_ORDERS",
    "headline_figures",
    "rank_defects",
    "rank_with_headline",
    "shape_headline",
    "shape_ranking",
    "with_previous",
]

RANK_ORDERS = ("cost", "contacts", "cpx", "change")
HEADLINE_METRICS = ("contacts", "cost_usd", "dumb_share", "cpx", "repeat_rate")
_SORT = {"cost": "cost_usd", "contacts": "contacts", "cpx": "cpx", "change": "change_pct"}


def rank_defects(
    warehouse: Warehouse,
    *,
    since=None,
    until=None,
    channel=None,
    category=None,
    owner=None,
    costs: CostModel | None = None,
    driver: str = CPX_DRIVER,
    repeat_days: int = REPEAT_WINDOW_DAYS,
    order: str = "cost",
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """One row per defect with contacts in the period: volume, cost, CPX, repeats, channel mix
    and change against the previous period of equal length, costliest first.

    Contacts not mapped to a defect are one row, ``defect_id`` "unmapped", so the rows add
    up to every contact in scope. ``until`` is exclusive; dates may be ISO strings.
    """
    ranked, _ = rank_with_headline(
        warehouse, since=since, until=until, channel=channel, category=category, owner=owner,
        costs=costs, driver=driver, repeat_days=repeat_days, order=order, as_polars=as_polars,
    )  # fmt: skip
    return ranked


def headline_figures(
    warehouse: Warehouse,
    *,
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
    """The period's contacts, cost, dumb-contact share, CPX and repeat rate, each with its
    value in the previous period of equal length and the change in per cent."""
    _, figures = rank_with_headline(
        warehouse, since=since, until=until, channel=channel, category=category, owner=owner,
        costs=costs, driver=driver, repeat_days=repeat_days, as_polars=as_polars,
    )  # fmt: skip
    return figures


def rank_with_headline(
    warehouse: Warehouse,
    *,
    since=None,
    until=None,
    channel=None,
    category=None,
    owner=None,
    costs: CostModel | None = None,
    driver: str = CPX_DRIVER,
    repeat_days: int = REPEAT_WINDOW_DAYS,
    order: str = "cost",
    as_polars: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame] | tuple[pl.DataFrame, pl.DataFrame]:
    """``rank_defects`` and ``headline_figures`` from one read of the warehouse (shaping
    both from it costs milliseconds)."""
    scope = Scope.of(since, until, channel, category, owner)
    daily = read_daily_facts(
        warehouse, scope, span=with_previous, driver=driver, repeat_days=repeat_days
    )
    ranked = shape_ranking(daily, scope, costs=costs, order=order)
    figures = shape_headline(daily, scope, costs=costs)
    return (ranked, figures) if as_polars else (ranked.to_pandas(), figures.to_pandas())


def with_previous(since: dt.date, until: dt.date) -> tuple[dt.date, dt.date]:
    """The period and the one of equal length before it: the days a ranking reads."""
    return since - (until - since), until


def _split(daily: DailyFacts, scope: Scope) -> tuple[pl.DataFrame, int, int]:
    """The scope's counts per defect, action and channel, ``current`` for its period and not
    for the one before, and the driver units of each. Integer sums, so they do not depend on
    the order of the daily rows."""
    since, until = daily.period(scope)
    before = since - (until - since)
    keys = ["current", "defect_id", "action", "channel"]
    facts = (
        daily.select(scope, before, until)
        .with_columns(current=pl.col("day") >= since)
        .group_by(keys)
        .agg(pl.col(COUNTS).sum())
    )
    return facts, daily.units(since, until), daily.units(before, since)


def _priced(facts: pl.DataFrame, costs: CostModel) -> pl.DataFrame:
    # A fixed row order, so float sums come out the same on every call, engine and read.
    facts = facts.sort("current", "defect_id", "channel")
    return facts.with_columns(cost_usd=price_facts(facts, costs))


def _per_thousand(contacts: pl.Expr, units: int) -> pl.Expr:
    return contacts * 1000 / units if units else pl.lit(None, pl.Float64)


def _change(now: pl.Expr, before: pl.Expr) -> pl.Expr:
    return pl.when(before > 0).then((now - before) * 100 / before).otherwise(None)


def shape_ranking(
    daily: DailyFacts, scope: Scope = ALL, *, costs: CostModel | None = None, order: str = "cost"
) -> pl.DataFrame:
    """The ranking of the scope's period from its daily facts (see ``rank_defects``)."""
    if order not in RANK_ORDERS:
        raise InputError(f"order must be one of {', '.join(RANK_ORDERS)}")
    facts, units, _ = _split(daily, scope)
    priced = _priced(facts, costs or CostModel())
    priced = priced.with_columns(handled=pl.col("contacts") - pl.col("unhandled"))
    now = priced.filter(pl.col("current"))
    mix = [
        pl.col("contacts").filter(pl.col("channel") == c).sum().alias(f"mix_{c}") for c in CHANNELS
    ]
    per_defect = now.group_by("defect_id", maintain_order=True).agg(
        pl.col("contacts").sum(),
        pl.col("cost_usd").sum(),
        pl.col("handled_seconds").sum(),
        pl.col("handled").sum(),
        pl.col("repeats").sum().alias("repeat_contacts"),
        *mix,
    )
    before = (
        priced.filter(~pl.col("current"))
        .group_by("defect_id", maintain_order=True)
        .agg(
            pl.col("contacts").sum().alias("contacts_prev"),
            pl.col("cost_usd").sum().alias("cost_usd_prev"),
        )
    )
    total_contacts = per_defect["contacts"].sum()
    total_cost = per_defect["cost_usd"].sum()
    ranked = (
        per_defect.join(daily.catalogue, on="defect_id", how="left")
        .join(before, on="defect_id", how="left")
        .with_columns(
            pl.col("contacts_prev", "cost_usd_prev").fill_null(0),
            share=pl.col("contacts") / total_contacts,
            cost_share=pl.col("cost_usd") / total_cost if total_cost else pl.lit(0.0),
            aht_seconds=pl.when(pl.col("handled") > 0).then(
                pl.col("handled_seconds") / pl.col("handled")
            ),
            cpx=_per_thousand(pl.col("contacts"), units),
            repeat_rate=pl.col("repeat_contacts") / pl.col("contacts"),
            **{f"mix_{c}": pl.col(f"mix_{c}") / pl.col("contacts") for c in CHANNELS},
        )
        .with_columns(change_pct=_change(pl.col("contacts"), pl.col("contacts_prev")))
        .sort([_SORT[order], "defect_id"], descending=[True, False], nulls_last=True)
        .with_columns(
            rank=pl.int_range(1, pl.len() + 1),
            cumulative_cost_share=pl.col("cost_share").cum_sum(),
        )
    )
    return ranked.select(
        "rank", "defect_id", "name", "category", "owner", "action", "contacts", "share",
        "cost_usd", "cost_share", "cumulative_cost_share", "aht_seconds", "cpx",
        "repeat_contacts", "repeat_rate", *(f"mix_{c}" for c in CHANNELS),
        "contacts_prev", "cost_usd_prev", "change_pct",
    )  # fmt: skip


def shape_headline(
    daily: DailyFacts, scope: Scope = ALL, *, costs: CostModel | None = None
) -> pl.DataFrame:
    """The headline figures of the scope's period from its daily facts."""
    facts, units, units_before = _split(daily, scope)
    priced = _priced(facts, costs or CostModel())
    now = _totals(priced.filter(pl.col("current")), units)
    before = _totals(priced.filter(~pl.col("current")), units_before)
    rows = [
        {
            "metric": metric,
            "value": now[metric],
            "previous": before[metric],
            "change_pct": (now[metric] - before[metric]) * 100 / before[metric]
            if now[metric] is not None and before[metric]
            else None,
        }
        for metric in HEADLINE_METRICS
    ]
    schema = {"metric": pl.Utf8, "value": pl.Float64, "previous": pl.Float64}
    return pl.DataFrame(rows, schema=schema | {"change_pct": pl.Float64})


def _totals(priced: pl.DataFrame, units: int) -> dict[str, float | None]:
    contacts = int(priced["contacts"].sum())
    dumb = int(priced.filter(pl.col("action") == "eliminate")["contacts"].sum())
    return {
        "contacts": float(contacts),
        "cost_usd": float(priced["cost_usd"].sum()),
        "dumb_share": dumb / contacts if contacts else None,
        "cpx": contacts * 1000 / units if units else None,
        "repeat_rate": int(priced["repeats"].sum()) / contacts if contacts else None,
    }
