"""Emerging defects from the daily table (``economics.daily_facts``), for interactive readers.

``emerging_daily`` gives what ``analysis.economics.spikes.emerging_defects`` gives, from the daily
counts already in memory, so changing a filter does not re-count the weeks of history the
baseline needs. The spike rule itself is the one in ``analysis.economics.spikes.flag_spikes``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from dumbcontacts.analysis.economics.daily_facts import DailyFacts, scoped_facts
from dumbcontacts.analysis.economics.scope import ALL, Scope
from dumbcontacts.analysis.economics.spikes import (
    BASELINE_WEEKS,
    THRESHOLD,
    elapsed_share,
    find_new_topics,
    flag_spikes,
    iso_week,
    parse_week,
)
from dumbcontacts.analysis.economics.trends import bucket_starts
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = ["emerging_daily", "read_new_topics"]


def read_new_topics(warehouse: Warehouse, week: dt.date) -> pl.DataFrame:
    """Topics of the current model that the previous version lacked, with their contacts in
    the ISO week of ``week``: kind, defect_id, topic_key, label, contacts."""
    with warehouse.connect() as conn:
        return find_new_topics(conn, parse_week(week))


def _elapsed_share(daily: DailyFacts, until: dt.date) -> float:
    weekday = pl.col("period_start").dt.weekday()  # Monday is 1, as ISO
    per_day = daily.facts.group_by(weekday.alias("day")).agg(pl.col("contacts").sum())
    return elapsed_share(dict(per_day.iter_rows()), until)


def emerging_daily(
    daily: DailyFacts,
    scope: Scope = ALL,
    *,
    week: dt.date | str | None = None,
    new_topics: pl.DataFrame | None = None,
    baseline_weeks: int = BASELINE_WEEKS,
    threshold: float = THRESHOLD,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """The defects spiking in one ISO week (default: the last week with contacts) within the
    scope's channel, category and owner, then ``new_topics`` (from ``read_new_topics``).
    Columns as ``emerging_defects``: kind, week, defect_id, name, owner, contacts, expected,
    z_score, topic_key, label."""
    monday = parse_week(week if week is not None else daily.last_day or dt.date.today())
    until = monday + dt.timedelta(days=7)
    first_week = parse_week(daily.first_day or monday)
    start = max(monday - dt.timedelta(weeks=baseline_weeks), first_week)
    week_start = pl.col("period_start").dt.truncate("1w")
    counts = (
        scoped_facts(daily, scope, start, until)
        .group_by(week_start.alias("week_start"), "defect_id")
        .agg(pl.col("contacts").sum())
    )
    units = (
        daily.volumes.filter(pl.col("period_start").is_between(start, until, closed="left"))
        .group_by(week_start.alias("week_start"))
        .agg(pl.col("driver_count").sum().alias("units"))
    )
    starts = pl.DataFrame({"week_start": bucket_starts(start, until, "week")},
                          schema={"week_start": pl.Date})  # fmt: skip
    weekly = (
        starts.join(counts.select("defect_id").unique(), how="cross")
        .join(counts, on=["week_start", "defect_id"], how="left")
        .join(units, on="week_start", how="left")
        .with_columns(pl.col("contacts", "units").fill_null(0))
        .select("week_start", "defect_id", "contacts", "units")
    )
    flags = flag_spikes(
        weekly, baseline_weeks=baseline_weeks, threshold=threshold,
        last_week_share=_elapsed_share(daily, until),
    )  # fmt: skip
    names = daily.catalogue.select("defect_id", "name", "owner")
    spikes = (
        flags.filter(pl.col("flagged") & (pl.col("week_start") == monday))
        .join(names, on="defect_id", how="left")
        .select(
            kind=pl.lit("spike"),
            week=pl.lit(iso_week(monday)),
            defect_id="defect_id",
            name="name",
            owner="owner",
            contacts="contacts",
            expected="expected",
            z_score="z_score",
            topic_key=pl.lit(None, pl.Utf8),
            label=pl.lit(None, pl.Utf8),
        )  # fmt: skip
        .sort("z_score", descending=True)
    )
    new = new_topics if new_topics is not None else pl.DataFrame(schema={"kind": pl.Utf8})
    emerging = pl.concat([spikes, new.with_columns(week=pl.lit(iso_week(monday)))], how="diagonal")
    return emerging if as_polars else emerging.to_pandas()
