"""What the dashboard reads and writes, on both engines: the daily facts it keeps, the cache
follows the data, and a busy warehouse serves the last figures. (Triage decisions are
tests/test_decisions.py; that the dashboard shows the figures the command
line, the report and the notebook give is tests/test_same_figures.py.)"""

import datetime as dt
import time

import polars as pl
import pytest
from sqlalchemy import insert, select

from dumbcontacts.analysis.economics.data_version import read_data_version
from dumbcontacts.analysis.economics.facts import read_daily_facts
from dumbcontacts.analysis.economics.ranking import (
    headline_figures,
    rank_defects,
    shape_headline,
    shape_ranking,
)
from dumbcontacts.analysis.economics.scope import Scope, defect_contacts, resolve_period
from dumbcontacts.analysis.economics.trends import shape_trend
from dumbcontacts.analysis.economics.verbatims import verbatims
from dumbcontacts.analysis.topics.decisions import Decisions
from dumbcontacts.dashboard.source import DataSource
from dumbcontacts.etl.schema import loads
from dumbcontacts.etl.warehouse import create_warehouse, open_warehouse
from tests.economics_fixture import PERIOD, build_economics_warehouse
from tests.lock_holder import another_process_holds

SINCE, UNTIL = PERIOD
ALL_DAYS = (dt.date(2000, 1, 1), dt.date(2100, 1, 1))


def assign(warehouse, folder, key: str, defect_id: str) -> None:
    """A triage save, as the dashboard makes it."""
    desk = Decisions(warehouse, folder / "defects.toml", folder / "overrides.toml", "test")
    desk.map_topic(key, defect_id)


@pytest.fixture
def economics(warehouse):
    build_economics_warehouse(warehouse)
    return warehouse


def test_daily_facts_of_an_empty_warehouse(warehouse):
    daily = read_daily_facts(warehouse)
    assert daily.first_day is None and daily.facts.is_empty()
    assert shape_ranking(daily).is_empty()


def test_daily_facts_count_every_day_and_keep_every_volume(economics):
    daily = read_daily_facts(economics)
    assert (daily.first_day, daily.last_day) == (dt.date(2026, 2, 24), dt.date(2026, 3, 9))
    assert daily.facts["contacts"].sum() == 9 and daily.units(*ALL_DAYS) == 3000
    monday = daily.facts.filter(pl.col("day") == SINCE).row(0, named=True)
    # c1: the phone call about the double charge, followed by a chat three days later.
    assert (monday["defect_id"], monday["channel"], monday["handled_seconds"]) == (
        "bill", "phone", 600
    )  # fmt: skip
    assert (monday["repeats"], monday["cross_channel"]) == (1, 1)


def test_a_read_narrowed_to_a_scope_counts_only_its_days_and_filters(economics):
    scope = Scope.of(SINCE, UNTIL, channel="phone")
    daily = read_daily_facts(economics, scope)
    assert set(daily.facts["channel"]) == {"phone"}
    assert daily.facts["day"].to_list() == [SINCE, dt.date(2026, 3, 4)]  # c1, c4
    assert daily.units(*ALL_DAYS) == 2000  # the period's orders only
    assert (daily.first_day, daily.last_day) == (dt.date(2026, 2, 24), dt.date(2026, 3, 9))


def test_a_scope_with_no_contacts_gives_zeros_not_an_error(economics):
    daily = read_daily_facts(economics)
    nothing = Scope.of(SINCE, UNTIL, channel="phone", defect_id="unmapped")
    assert shape_ranking(daily, nothing).is_empty()
    headline = shape_headline(daily, nothing)
    assert headline.filter(pl.col("metric") == "contacts")["value"].item() == 0
    assert headline.filter(pl.col("metric") == "cpx")["value"].item() == 0
    trend = shape_trend(daily, Scope.of(SINCE, UNTIL, "phone", defect_id="unmapped"),
                        by_channel=True)  # fmt: skip
    assert trend["contacts"].to_list() == [0] and trend["channel"].to_list() == ["phone"]


def test_data_version_follows_loads_and_mappings(economics, tmp_path):
    first = read_data_version(economics)
    assert read_data_version(economics) == first
    assign(economics, tmp_path, "k2", "ship")
    remapped = read_data_version(economics)
    assert remapped != first
    with economics.begin() as conn:
        conn.execute(
            insert(loads).values(
                load_id="x", source="x.csv", channel="phone", format="csv", content_hash="x",
                started_at=UNTIL, finished_at=UNTIL, status="loaded", rows_read=0,
                rows_loaded=0, rows_duplicate=0, rows_rejected=0,
            )
        )  # fmt: skip
    assert read_data_version(economics) not in (first, remapped)


def test_source_caches_until_the_data_changes(economics, tmp_path):
    source = DataSource(economics, recheck_seconds=0, overrides=tmp_path / "o.toml")
    calls = []

    def count(warehouse, channel):
        calls.append(channel)
        return rank_defects(warehouse, channel=channel)

    first = source.fetch("rank", count, "phone")
    assert source.fetch("rank", count, "phone") is first and calls == ["phone"]
    source.fetch("rank", count, "chat")
    assert calls == ["phone", "chat"]
    assign(economics, tmp_path, "k2", "ship")
    source.fetch("rank", count, "phone")
    assert calls == ["phone", "chat", "phone"]


def test_source_serves_the_last_figures_while_another_process_writes(tmp_path):
    path = tmp_path / "w.duckdb"
    warehouse = create_warehouse(f"duckdb:///{path}")
    build_economics_warehouse(warehouse)
    source = DataSource(warehouse, recheck_seconds=0, busy_seconds=0.2)
    before = source.fetch("rank", lambda wh: rank_defects(wh, as_polars=True))
    assign(warehouse, tmp_path, "k2", "ship")  # a new data version
    with another_process_holds(str(path), 3.0):
        start = time.monotonic()
        stale = source.fetch("rank", lambda wh: rank_defects(wh, as_polars=True))
        assert time.monotonic() - start < 1.5  # did not wait for the lock
        assert stale is before and source.busy_at is not None
        # A figure never computed waits for the lock rather than failing.
        fresh = source.fetch("headline", lambda wh: headline_figures(wh, as_polars=True))
        assert time.monotonic() - start > 2.0
    assert fresh["metric"].to_list()[0] == "contacts"
    after = source.fetch("rank", lambda wh: rank_defects(wh, as_polars=True))
    assert "unmapped" in before["defect_id"] and "unmapped" not in after["defect_id"]


def test_source_refreshing_in_the_background_never_makes_a_view_wait(economics, tmp_path):
    source = DataSource(economics, recheck_seconds=0, refresh_in_background=True)
    calls = []

    def rank(warehouse):
        calls.append(time.monotonic())
        return rank_defects(warehouse, as_polars=True)

    first = source.fetch("rank", rank)
    assign(economics, tmp_path, "k2", "ship")  # another writer
    assert source.fetch("rank", rank) is first  # served at once, recomputed behind
    deadline = time.monotonic() + 30
    while (latest := source.fetch("rank", rank)) is first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "unmapped" not in latest["defect_id"] and len(calls) == 2
    source.invalidate()  # a write of our own: the next read is computed fresh, at once
    assert source.fetch("rank", rank) is not latest and len(calls) == 3


@pytest.mark.parametrize(
    ("defect_id", "filters"),
    [("bill", {}), ("ship", {"channel": "chat"}), ("unmapped", {"since": SINCE, "until": UNTIL}),
     ("bill", {"since": "2026-02-20", "until": UNTIL, "channel": ["phone", "email"]})],
)  # fmt: skip
def test_verbatims_sample_exactly_the_contacts_the_ranking_counts(economics, defect_id, filters):
    scope = Scope.of(filters.get("since"), filters.get("until"), filters.get("channel"),
                     defect_id=defect_id)  # fmt: skip
    with economics.connect() as conn:
        counted = defect_contacts(conn, *resolve_period(conn, scope), scope).subquery()
        rows = conn.execute(select(counted.c.contact_id, counted.c.reason_text)).all()
    expected = {contact_id for contact_id, reason in rows if reason.strip()}
    everything = verbatims(economics, defect_id, 1000, **filters, as_polars=True)
    assert set(everything["contact_id"]) == expected
    for seed in (0, 3):
        two = verbatims(economics, defect_id, 2, seed=seed, **filters, as_polars=True)
        assert len(two) == min(2, len(expected)) and set(two["contact_id"]) <= expected


def test_verbatims_on_the_sample_data_are_the_defects_own(sample_warehouse_file):
    warehouse = open_warehouse(f"duckdb:///{sample_warehouse_file}")
    for defect_id in ("shipping-damaged-item", "unmapped"):
        picked = verbatims(warehouse, defect_id, 5, channel="chat", as_polars=True)
        counted = rank_defects(warehouse, channel="chat", as_polars=True)
        available = counted.filter(pl.col("defect_id") == defect_id)["contacts"].item()
        assert len(picked) == min(5, available) and set(picked["channel"]) == {"chat"}
