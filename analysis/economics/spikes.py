"""Emerging and spiking defects: a week well above the defect's own recent baseline.

For each defect and ISO week, the baseline is the mean contacts per 1,000 driver units
(orders, ...) of the previous ``baseline_weeks`` weeks, scaled by this week's units, so a
busy trading week does not look like a defect spiking. Weeks that were spikes themselves
(above the median by more than the threshold) are left out of the mean: the mean is the
steadier estimate of a small count's rate (one contact moves a median of 3s and 4s by half
a contact), and without the outliers it is as robust as the median. The spread is the larger of the
baseline's scaled median absolute deviation and the Poisson noise of the expected count, so
small defects need a real jump. A week still in progress is compared against the share of a
week's contacts its elapsed weekdays carried in the complete weeks before it (weekday
seasonality). New topics since the previous model version are emerging too: a reason nobody
raised before.

``spike_flags`` and ``emerging_defects`` read the daily facts of the weeks they judge and of
the baseline before them (``economics.facts``); the pure ``shape_spike_flags`` and
``shape_emerging`` judge them, from that read or from the dashboard's read of every day alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from sqlalchemy import Connection, func, select

from dumbcontacts.analysis.economics.facts import DailyFacts, Span, read_daily_facts
from dumbcontacts.analysis.economics.iso_week import iso_week, parse_week
from dumbcontacts.analysis.economics.scope import ALL, Scope, current_model_version
from dumbcontacts.analysis.economics.trends import bucket_starts
from dumbcontacts.etl.schema import contact_topics, contacts, topic_models, topics
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import CPX_DRIVER

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = [
    "BASELINE_WEEKS",
    "MIN_EXCESS",
    "THRESHOLD",
    "elapsed_share",
    "emerging_defects",
    "find_new_topics",
    "flag_spikes",
    "read_new_topics",
    "shape_emerging",
    "shape_spike_flags",
    "spike_flags",
]

BASELINE_WEEKS = 8
MIN_BASELINE_WEEKS = 4
THRESHOLD = 3.5  # robust z-score
MIN_EXCESS = 3  # contacts above expectation, so one or two extra never flag
_WEEK = dt.timedelta(days=7)


def spike_flags(
    warehouse: Warehouse,
    *,
    since=None,
    until=None,
    channel=None,
    category=None,
    owner=None,
    driver: str = CPX_DRIVER,
    baseline_weeks: int = BASELINE_WEEKS,
    threshold: float = THRESHOLD,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """Every ISO week x defect in the period: contacts, expected, z_score, flagged.

    The baseline reaches back ``baseline_weeks`` before ``since``, so a short period is
    still judged against history.
    """
    scope = Scope.of(since, until, channel, category, owner)
    daily = read_daily_facts(warehouse, scope, span=_with_baseline(baseline_weeks), driver=driver)
    flags = shape_spike_flags(daily, scope, baseline_weeks=baseline_weeks, threshold=threshold)
    return flags if as_polars else flags.to_pandas()


def emerging_defects(
    warehouse: Warehouse,
    *,
    week: str | dt.date | None = None,
    channel=None,
    category=None,
    owner=None,
    driver: str = CPX_DRIVER,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """The defects spiking in one ISO week (default: the last week with contacts), and the
    topics new in the current model. Columns: kind ("spike" or "new_topic"), week,
    defect_id, name, owner, contacts, expected, z_score, topic_key, label."""
    asked = parse_week(week) if week is not None else None
    scope = Scope.of(channel=channel, category=category, owner=owner)

    def span(since: dt.date, until: dt.date) -> tuple[dt.date, dt.date]:
        # ``scope`` is all of history; the week judged is the asked one, else the last.
        monday = asked or parse_week(until - dt.timedelta(days=1))
        return monday - BASELINE_WEEKS * _WEEK, monday + _WEEK

    daily = read_daily_facts(warehouse, scope, span=span, driver=driver)
    monday = asked or _last_week(daily)
    emerging = shape_emerging(
        daily, scope, week=monday, new_topics=read_new_topics(warehouse, monday)
    )
    return emerging if as_polars else emerging.to_pandas()


def shape_spike_flags(
    daily: DailyFacts,
    scope: Scope = ALL,
    *,
    baseline_weeks: int = BASELINE_WEEKS,
    threshold: float = THRESHOLD,
) -> pl.DataFrame:
    """The spike flags of the scope's period from its daily facts (see ``spike_flags``)."""
    since, until = daily.period(scope)
    # History starts at the first contact: weeks before it are unknown, not quiet.
    first_week = parse_week(daily.first_day or since)
    start = max(parse_week(since) - baseline_weeks * _WEEK, first_week)
    facts = daily.select(scope, start, until)
    flags = flag_spikes(
        _weekly_counts(facts, daily.volumes, start, until),
        baseline_weeks=baseline_weeks,
        threshold=threshold,
        last_week_share=elapsed_share(_weekday_contacts(facts, until), until),
    )
    names = daily.catalogue.select("defect_id", "name", "owner")
    return (
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


def shape_emerging(
    daily: DailyFacts,
    scope: Scope = ALL,
    *,
    week: str | dt.date | None = None,
    new_topics: pl.DataFrame | None = None,
    baseline_weeks: int = BASELINE_WEEKS,
    threshold: float = THRESHOLD,
) -> pl.DataFrame:
    """The defects spiking in ISO ``week`` (default: the last week with contacts) within the
    scope's filters (its period is ignored), then ``new_topics`` (from ``read_new_topics``).
    Columns as ``emerging_defects``."""
    monday = parse_week(week) if week is not None else _last_week(daily)
    in_week = dataclasses.replace(scope, since=monday, until=monday + _WEEK)
    flags = shape_spike_flags(daily, in_week, baseline_weeks=baseline_weeks, threshold=threshold)
    spikes = flags.filter(pl.col("flagged")).select(
        kind=pl.lit("spike"), week="week", defect_id="defect_id", name="name", owner="owner",
        contacts="contacts", expected="expected", z_score="z_score",
        topic_key=pl.lit(None, pl.Utf8), label=pl.lit(None, pl.Utf8),
    ).sort("z_score", descending=True)  # fmt: skip
    new = new_topics if new_topics is not None else pl.DataFrame(schema={"kind": pl.Utf8})
    return pl.concat([spikes, new.with_columns(week=pl.lit(iso_week(monday)))], how="diagonal")


def read_new_topics(warehouse: Warehouse, week: str | dt.date) -> pl.DataFrame:
    """Topics of the current model that the previous version lacked, with their contacts in
    the ISO week of ``week``: kind, defect_id, topic_key, label, contacts."""
    with warehouse.connect() as conn:
        return find_new_topics(conn, parse_week(week))


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
            centre, mad = _baseline(base, scale[i - len(base) : i], threshold)
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


def _baseline(rates: np.ndarray, scale: np.ndarray, threshold: float) -> tuple[float, float]:
    """The baseline rate and its scaled MAD: the mean of the weeks that are not outliers."""
    median = float(np.median(rates))
    mad = float(np.median(np.abs(rates - median))) * 1.4826
    poisson = np.sqrt(np.maximum(median * scale, 1.0)) / scale  # a count's noise, as a rate
    usual = rates <= median + threshold * np.maximum(mad, poisson)
    return float(np.mean(rates[usual])), mad


def _with_baseline(weeks: int) -> Span:
    """The days a spike check reads: its period and ``weeks`` weeks of baseline before it."""
    return lambda since, until: (parse_week(since) - weeks * _WEEK, until)


def _last_week(daily: DailyFacts) -> dt.date:
    return parse_week(daily.last_day or dt.date.today())


def _weekly_counts(
    facts: pl.DataFrame, volumes: pl.DataFrame, start: dt.date, until: dt.date
) -> pl.DataFrame:
    """Contacts per defect and week of [start, until), with zero weeks filled in, and the
    driver's units."""
    week_start = pl.col("day").dt.truncate("1w").alias("week_start")
    counts = facts.group_by(week_start, "defect_id").agg(pl.col("contacts").sum())
    units = (
        volumes.filter(pl.col("day").is_between(start, until, closed="left"))
        .group_by(week_start)
        .agg(pl.col("driver_count").sum().alias("units"))
    )
    weeks = pl.DataFrame({"week_start": bucket_starts(start, until, "week")},
                         schema={"week_start": pl.Date})  # fmt: skip
    return (
        weeks.join(counts.select("defect_id").unique(), how="cross")
        .join(counts, on=["week_start", "defect_id"], how="left")
        .join(units, on="week_start", how="left")
        .with_columns(pl.col("contacts", "units").fill_null(0))
        .select("week_start", "defect_id", "contacts", "units")
    )


def _weekday_contacts(facts: pl.DataFrame, until: dt.date) -> dict[int, int]:
    """Contacts per ISO weekday (Monday is 1) in the complete weeks before the one ``until``
    ends."""
    complete = facts.filter(pl.col("day") < parse_week(until - dt.timedelta(days=1)))
    per_day = complete.group_by(pl.col("day").dt.weekday()).agg(pl.col("contacts").sum())
    return dict(per_day.iter_rows())


def elapsed_share(per_weekday: dict[int, int], until: dt.date) -> float:
    """The usual share of a week's contacts that arrive on its weekdays before ``until``,
    from contacts per ISO weekday (Monday is 1); 1.0 once the week is complete."""
    elapsed_days = (until - parse_week(until - dt.timedelta(days=1))).days
    total = sum(per_weekday.values())
    if elapsed_days >= 7 or not total:
        return 1.0
    return sum(per_weekday.get(d, 0) for d in range(1, elapsed_days + 1)) / total


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
