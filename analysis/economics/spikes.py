"""Emerging and spiking defects: a week well above the defect's own recent baseline.

For each defect and ISO week, the baseline is the median contacts per 1,000 driver units
(orders, ...) of the previous ``baseline_weeks`` weeks, scaled by this week's units, so a
busy trading week does not look like a defect spiking. The spread is the larger of the
baseline's scaled median absolute deviation and the Poisson noise of the expected count, so
small defects need a real jump. A week still in progress is compared against the share of a
week's contacts its elapsed weekdays usually carry (weekday seasonality). New topics since
the previous model version are emerging too: a reason nobody raised before.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from sqlalchemy import Connection, extract, func, select

from dumbcontacts.analysis.economics.facts import count_driver, count_facts
from dumbcontacts.analysis.economics.scope import (
    Scope,
    as_day,
    current_model_version,
    defect_catalogue,
    resolve_period,
)
from dumbcontacts.analysis.economics.trends import bucket_starts
from dumbcontacts.analysis.schema import contact_topics, topic_models, topics
from dumbcontacts.errors import InputError
from dumbcontacts.etl.schema import contacts
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = [
    "elapsed_share",
    "emerging_defects",
    "flag_spikes",
    "iso_week",
    "find_new_topics",
    "parse_week",
    "spike_flags",
]

BASELINE_WEEKS = 8
MIN_BASELINE_WEEKS = 4
THRESHOLD = 3.5  # robust z-score
MIN_EXCESS = 3  # contacts above expectation, so one or two extra never flag


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(week: str | dt.date) -> dt.date:
    """The Monday of an ISO week given as "2026-W38" or any day in it."""
    if isinstance(week, dt.date):
        return week - dt.timedelta(days=week.weekday())
    try:
        return (
            dt.date.fromisoformat(f"{week.strip()}-1") if "W" in week else parse_week(as_day(week))
        )
    except ValueError:
        raise InputError(f"not an ISO week (like 2026-W38) or date: {week!r}") from None


def spike_flags(
    warehouse: Warehouse,
    *,
    since=None,
    until=None,
    channel=None,
    category=None,
    owner=None,
    driver: str = "orders",
    baseline_weeks: int = BASELINE_WEEKS,
    threshold: float = THRESHOLD,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """Every ISO week x defect in the period: contacts, expected, z_score, flagged.

    The baseline reaches back ``baseline_weeks`` before ``since``, so a short period is
    still judged against history.
    """
    scope = Scope.of(since, until, channel, category, owner)
    with warehouse.connect() as conn:
        since, until = resolve_period(conn, scope)
        # History starts at the first contact: weeks before it are unknown, not quiet.
        start = max(parse_week(since) - dt.timedelta(weeks=baseline_weeks), _first_week(conn))
        weekly = count_facts(conn, start, until, scope, bucket="week")
        units = count_driver(conn, driver, start, until, bucket="week")
        elapsed = _elapsed_share(conn, until)
        names = defect_catalogue(conn).select("defect_id", "name", "owner")
    flags = flag_spikes(
        _weekly_counts(weekly, units, bucket_starts(start, until, "week")),
        baseline_weeks=baseline_weeks,
        threshold=threshold,
        last_week_share=elapsed,
    )
    flags = (
        flags.filter(pl.col("week_start") >= parse_week(since))
        .join(names, on="defect_id", how="left")
        .with_columns(week=pl.col("week_start").map_elements(iso_week, return_dtype=pl.Utf8))
        .select(
            "week",
            "week_start",
            "defect_id",
            "name",
            "owner",
            "contacts",
            "expected",
            "z_score",
            "flagged",
        )  # fmt: skip
        .sort("week_start", "defect_id")
    )
    return flags if as_polars else flags.to_pandas()


def emerging_defects(
    warehouse: Warehouse,
    *,
    week: str | dt.date | None = None,
    channel=None,
    category=None,
    owner=None,
    driver: str = "orders",
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """The defects spiking in one ISO week (default: the last week with contacts), and the
    topics new in the current model. Columns: kind ("spike" or "new_topic"), week,
    defect_id, name, owner, contacts, expected, z_score, topic_key, label."""
    with warehouse.connect() as conn:
        monday = parse_week(week) if week is not None else _last_week(conn)
        new = find_new_topics(conn, monday)
    spikes = spike_flags(
        warehouse, since=monday, until=monday + dt.timedelta(days=7), channel=channel,
        category=category, owner=owner, driver=driver, as_polars=True,
    ).filter(pl.col("flagged"))  # fmt: skip
    rows = spikes.select(
        kind=pl.lit("spike"), week=pl.col("week"), defect_id="defect_id", name="name",
        owner="owner", contacts="contacts", expected="expected", z_score="z_score",
        topic_key=pl.lit(None, pl.Utf8), label=pl.lit(None, pl.Utf8),
    ).sort("z_score", descending=True)  # fmt: skip
    emerging = pl.concat([rows, new.with_columns(week=pl.lit(iso_week(monday)))], how="diagonal")
    return emerging if as_polars else emerging.to_pandas()


def flag_spikes(
    weekly: pl.DataFrame,
    *,
    baseline_weeks: int = BASELINE_WEEKS,
    threshold: float = THRESHOLD,
    last_week_share: float = 1.0,
) -> pl.DataFrame:
    """``weekly`` (week_start, defect_id, contacts, units; every week present) with expected,
    z_score and flagged. ``last_week_share`` is the part of a normal week's contacts the
    last week has had time to collect (1.0 when it is complete)."""
    out = []
    last = weekly["week_start"].max()
    for _, group in weekly.sort("week_start").group_by("defect_id", maintain_order=True):
        counts = group["contacts"].to_numpy().astype(float)
        units = group["units"].to_numpy().astype(float)
        # Without driver units for every week, compare raw volumes.
        scale = units if np.all(units > 0) else np.ones_like(counts)
        rates = counts / scale
        expected = np.full(len(counts), np.nan)
        z = np.full(len(counts), np.nan)
        for i in range(len(counts)):
            base = rates[max(0, i - baseline_weeks) : i]
            if len(base) < MIN_BASELINE_WEEKS:
                continue
            share = last_week_share if group["week_start"][i] == last else 1.0
            centre = float(np.median(base))
            mad = float(np.median(np.abs(base - centre))) * 1.4826
            expected[i] = centre * scale[i] * share
            spread = max(mad * scale[i] * share, np.sqrt(max(expected[i], 1.0)))
            z[i] = (counts[i] - expected[i]) / spread
        out.append(
            group.with_columns(
                expected=pl.Series(expected).fill_nan(None),
                z_score=pl.Series(z).fill_nan(None),
            )
        )
    frame = pl.concat(out) if out else weekly.with_columns(expected=None, z_score=None)
    return frame.with_columns(
        flagged=(pl.col("z_score") >= threshold)
        & (pl.col("contacts") >= pl.col("expected") + MIN_EXCESS)
    ).with_columns(pl.col("flagged").fill_null(False))


def _weekly_counts(
    weekly: pl.DataFrame, units: pl.DataFrame, starts: list[dt.date]
) -> pl.DataFrame:
    """Contacts per defect and week, with zero weeks filled in and the driver's units."""
    counts = weekly.group_by("period_start", "defect_id").agg(pl.col("contacts").sum())
    grid = pl.DataFrame({"period_start": starts}, schema={"period_start": pl.Date}).join(
        counts.select("defect_id").unique(), how="cross"
    )
    return (
        grid.join(counts, on=["period_start", "defect_id"], how="left")
        .join(units, on="period_start", how="left")
        .select(
            week_start="period_start",
            defect_id="defect_id",
            contacts=pl.col("contacts").fill_null(0),
            units=pl.col("driver_count").fill_null(0),
        )
    )


def elapsed_share(per_weekday: dict[int, int], until: dt.date) -> float:
    """The usual share of a week's contacts that arrive on its weekdays before ``until``,
    from contacts per ISO weekday (Monday is 1); 1.0 once the week is complete."""
    elapsed_days = (until - parse_week(until - dt.timedelta(days=1))).days
    total = sum(per_weekday.values())
    if elapsed_days >= 7 or not total:
        return 1.0
    return sum(per_weekday.get(d, 0) for d in range(1, elapsed_days + 1)) / total


def _elapsed_share(conn: Connection, until: dt.date) -> float:
    weekday = extract("isodow", contacts.c.started_at)
    per_day = conn.execute(select(weekday, func.count()).group_by(weekday)).all()
    return elapsed_share({int(day): count for day, count in per_day}, until)


def _last_week(conn: Connection) -> dt.date:
    last = conn.execute(select(func.max(contacts.c.started_at))).scalar()
    return parse_week((last or dt.datetime.now()).date())


def _first_week(conn: Connection) -> dt.date:
    first = conn.execute(select(func.min(contacts.c.started_at))).scalar()
    return parse_week((first or dt.datetime.now()).date())


def find_new_topics(conn: Connection, monday: dt.date) -> pl.DataFrame:
    """Topics of the current model whose key the previous version did not have, with the
    week's contacts."""
    schema = {"kind": pl.Utf8, "defect_id": pl.Utf8, "topic_key": pl.Utf8, "label": pl.Utf8,
              "contacts": pl.Int64}  # fmt: skip
    version = current_model_version(conn)
    previous = conn.execute(
        select(func.max(topic_models.c.model_version)).where(
            topic_models.c.model_version < (version or 0)
        )
    ).scalar()
    if previous is None:
        return pl.DataFrame(schema=schema)
    old_keys = select(topics.c.topic_key).where(topics.c.model_version == previous)
    start = dt.datetime.combine(monday, dt.time())
    in_week = (contacts.c.started_at >= start) & (
        contacts.c.started_at < start + dt.timedelta(days=7)
    )
    week_contacts = (
        select(contact_topics.c.topic_id, func.count().label("contacts"))
        .join(contacts, contacts.c.contact_id == contact_topics.c.contact_id)
        .where(contact_topics.c.model_version == version, in_week)
        .group_by(contact_topics.c.topic_id)
        .subquery()
    )
    query = (
        select(
            topics.c.defect_id,
            topics.c.topic_key,
            topics.c.label,
            func.coalesce(week_contacts.c.contacts, 0),
        )  # fmt: skip
        .outerjoin(week_contacts, week_contacts.c.topic_id == topics.c.topic_id)
        .where(topics.c.model_version == version, topics.c.topic_key.not_in(old_keys))
        .order_by(topics.c.topic_key)
    )
    rows = [("new_topic", *row) for row in conn.execute(query).all()]
    return pl.DataFrame(rows, schema=schema, orient="row")
