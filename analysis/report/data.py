"""Everything one week's defect report shows, read from the warehouse in one place.

``gather_report`` reads the daily facts of the week and the weeks its trend and spike baseline
look back on once, and shapes the ranking, headline, spikes and trend from them with the
notebook's own functions; with verbatims, triage and health it returns plain frames.
Rendering them is ``report_html``'s job.
Nothing here reads the clock, so the same warehouse and week always give the same data.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import func, select

from dumbcontacts.analysis.economics.facts import DailyFacts, read_daily_facts
from dumbcontacts.analysis.economics.health import load_history, model_status, reject_reasons
from dumbcontacts.analysis.economics.iso_week import iso_week, week_bounds
from dumbcontacts.analysis.economics.ranking import shape_headline, shape_ranking
from dumbcontacts.analysis.economics.scope import ALL, UNMAPPED, Scope
from dumbcontacts.analysis.economics.spikes import BASELINE_WEEKS, read_new_topics, shape_emerging
from dumbcontacts.analysis.economics.trends import shape_trend
from dumbcontacts.analysis.economics.verbatims import verbatims
from dumbcontacts.analysis.topics.overrides import unmapped_topics
from dumbcontacts.errors import EmptyWeek
from dumbcontacts.etl.schema import contacts
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import CPX_DRIVER, REPEAT_WINDOW_DAYS, CostModel

__all__ = [
    "ReportData",
    "ReportSettings",
    "count_week_contacts",
    "gather_report",
    "latest_week_with_contacts",
    "stable_shares",
]


@dataclass(frozen=True)
class ReportSettings:
    costs: CostModel | None = None  # None: the default rates
    driver: str = CPX_DRIVER  # the CPX denominator
    repeat_days: int = REPEAT_WINDOW_DAYS
    top_defects: int = 10  # rows in the report's top-defects table
    verbatims: int = 3  # sample reasons per defect
    trend_weeks: int = 8  # weeks in the trend chart, ending with the report's week
    trend_defects: int = 5  # the costliest defects drawn in it
    recent_loads: int = 10  # loads listed under data health


@dataclass(frozen=True)
class ReportData:
    week: str
    since: dt.date  # the week's Monday
    until: dt.date  # the next Monday (exclusive)
    settings: ReportSettings
    headline: pl.DataFrame  # metric, value, previous, change_pct
    ranking: pl.DataFrame  # rank_defects for the week, every defect, "unmapped" included
    samples: dict[str, list[dict[str, Any]]]  # defect_id -> contact_id, channel, reason_text
    emerging: pl.DataFrame  # kind, defect_id, name, owner, contacts, expected, z_score, ...
    unmapped: pl.DataFrame  # topic_key, label, size, keywords, examples
    trend: pl.DataFrame  # period_start, defect_id, name, contacts, cost_usd
    loads: pl.DataFrame  # the most recent loads
    load_totals: dict[str, int]  # files, rows_loaded, rows_rejected
    rejects: pl.DataFrame  # load_id, source, reason, rejects, example
    model: dict[str, Any]  # model_status

    @property
    def owners(self) -> list[str]:
        """Owning departments with contacts this week, the costliest first."""
        mapped = self.ranking.filter(pl.col("defect_id") != UNMAPPED)
        per_owner = mapped.group_by("owner").agg(pl.col("cost_usd").sum())
        return per_owner.sort(["cost_usd", "owner"], descending=[True, False])["owner"].to_list()


def gather_report(
    warehouse: Warehouse, week: str, settings: ReportSettings | None = None
) -> ReportData:
    """The report's data for ISO ``week`` ("2026-W47"). Raises InputError for a bad week,
    EmptyWeek for one without contacts."""
    settings = settings or ReportSettings()
    since, until = week_bounds(week)
    if not count_week_contacts(warehouse, week):
        last_day = until - dt.timedelta(days=1)
        raise EmptyWeek(f"no contacts in {week} ({since} to {last_day}); nothing to report")
    scope = Scope.of(since, until)
    # One read: the week, and as far back as the trend and the spike baseline look (the
    # ranking's previous week is within).
    back = dt.timedelta(weeks=max(settings.trend_weeks - 1, BASELINE_WEEKS))
    daily = read_daily_facts(
        warehouse, scope, span=lambda since, until: (since - back, until),
        driver=settings.driver, repeat_days=settings.repeat_days,
    )  # fmt: skip
    ranking = stable_shares(shape_ranking(daily, scope, costs=settings.costs))
    defect_ids = [d for d in ranking["defect_id"].to_list() if d != UNMAPPED]
    samples = {
        defect_id: verbatims(
            warehouse, defect_id, settings.verbatims, since=since, until=until, as_polars=True
        ).to_dicts()
        for defect_id in defect_ids
    }
    history = load_history(warehouse, as_polars=True)
    new_topics = read_new_topics(warehouse, since)
    return ReportData(
        week=week,
        since=since,
        until=until,
        settings=settings,
        headline=shape_headline(daily, scope, costs=settings.costs),
        ranking=ranking,
        samples=samples,
        emerging=shape_emerging(daily, ALL, week=since, new_topics=new_topics),
        unmapped=unmapped_topics(warehouse, settings.verbatims, as_polars=True),
        trend=_trend(daily, ranking, since, until, settings),
        loads=history.head(settings.recent_loads),
        load_totals={
            "files": history.height,
            "rows_loaded": int(history["rows_loaded"].sum() or 0),
            "rows_rejected": int(history["rows_rejected"].sum() or 0),
        },
        rejects=reject_reasons(warehouse, as_polars=True).head(10),
        model=model_status(warehouse),
    )


def stable_shares(ranking: pl.DataFrame) -> pl.DataFrame:
    """The ranking with costs in whole cents and cost shares from an exactly rounded total.

    Cents are what a report shows, and ``math.fsum`` is correctly rounded, so the shares
    of the rounded costs add up exactly (and the totals still equal ``rank``'s to the cent).
    """
    ranking = ranking.sort("rank").with_columns(pl.col("cost_usd", "cost_usd_prev").round(2))
    costs = ranking["cost_usd"].to_list()
    total = math.fsum(costs)
    shares = [cost / total if total else 0.0 for cost in costs]
    cumulative = [math.fsum(costs[: i + 1]) / total if total else 0.0 for i in range(len(costs))]
    return ranking.with_columns(
        cost_share=pl.Series(shares, dtype=pl.Float64),
        cumulative_cost_share=pl.Series(cumulative, dtype=pl.Float64),
    )


def count_week_contacts(warehouse: Warehouse, week: str) -> int:
    """Contacts that started in ISO ``week``."""
    since, until = (dt.datetime.combine(day, dt.time()) for day in week_bounds(week))
    query = select(func.count()).where(
        contacts.c.started_at >= since, contacts.c.started_at < until
    )
    with warehouse.connect() as conn:
        return int(conn.execute(query).scalar())


def latest_week_with_contacts(warehouse: Warehouse, until: dt.date) -> str | None:
    """The ISO week of the last contact that started before ``until``; None if none did."""
    query = select(func.max(contacts.c.started_at)).where(
        contacts.c.started_at < dt.datetime.combine(until, dt.time())
    )
    with warehouse.connect() as conn:
        last = conn.execute(query).scalar()
    return None if last is None else iso_week(last.date())


def _trend(daily: DailyFacts, ranking: pl.DataFrame, since, until, settings) -> pl.DataFrame:
    top = ranking.filter(pl.col("defect_id") != UNMAPPED).head(settings.trend_defects)
    start = since - dt.timedelta(weeks=settings.trend_weeks - 1)
    frames = [
        shape_trend(
            daily, Scope.of(start, until, defect_id=row["defect_id"]), costs=settings.costs
        ).select(
            "period_start",
            pl.lit(row["defect_id"]).alias("defect_id"),
            pl.lit(row["name"] or row["defect_id"]).alias("name"),
            "contacts",
            "cost_usd",
        )
        for row in top.iter_rows(named=True)
    ]
    schema = {"period_start": pl.Date, "defect_id": pl.Utf8, "name": pl.Utf8,
              "contacts": pl.Int64, "cost_usd": pl.Float64}  # fmt: skip
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)
