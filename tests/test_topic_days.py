"""Stored daily counts per topic: the counted ones exactly, used only while made from the
warehouse as it is, and mapped to defects when read (a triage decision moves them at once)."""

import datetime as dt

import pytest
from sqlalchemy import insert, update

from dumbcontacts.analysis import rank_defects
from dumbcontacts.analysis.economics.scope import Scope
from dumbcontacts.analysis.economics.topic_days import (
    count_topic_days,
    forget_topic_days,
    store_topic_days,
    stored_topic_days,
)
from dumbcontacts.etl.schema import contacts, topics
from tests.economics_fixture import PERIOD, build_economics_warehouse

SINCE, UNTIL = PERIOD
EVER = (dt.date(2026, 1, 1), dt.date(2026, 4, 1))


@pytest.fixture
def stored(warehouse):
    build_economics_warehouse(warehouse, store=True)
    return warehouse


def _rows(conn, query) -> list[tuple]:
    return sorted(tuple(row) for row in conn.execute(query))


@pytest.mark.parametrize(
    ("period", "scope"),
    [(EVER, Scope()), (PERIOD, Scope()), (PERIOD, Scope(channel=("phone", "chat")))],
)
def test_stored_counts_are_the_counted_ones(stored, period, scope):
    with stored.connect() as conn:
        kept = _rows(conn, stored_topic_days(conn, *period, scope, 1))
        counted = _rows(conn, count_topic_days(conn, *period, scope, 1))
    assert kept == counted
    if scope == Scope() and period == EVER:
        # day, topic, channel, contacts, handled seconds, unhandled, repeats, cross-channel
        assert kept[:3] == [
            (dt.date(2026, 2, 24), 0, "phone", 1, 300, 0, 0, 0),
            (dt.date(2026, 2, 25), 0, "chat", 1, 600, 0, 0, 0),
            (dt.date(2026, 2, 26), 1, "email", 1, None, 1, 0, 0),
        ]
        assert sum(row[3] for row in kept) == 9
        assert (dt.date(2026, 3, 2), 0, "phone", 1, 600, 0, 1, 1) in kept  # c1, then c2's chat


def test_stored_counts_serve_only_their_model_window_and_contacts(stored):
    with stored.begin() as conn:
        assert stored_topic_days(conn, *PERIOD, Scope(), 1) is not None
        assert stored_topic_days(conn, *PERIOD, Scope(), 2) is None  # another model
        assert stored_topic_days(conn, *PERIOD, Scope(), 1, repeat_days=3) is None
        assert not store_topic_days(conn, 1)  # made from these contacts already
        late = {"contact_id": "c7", "channel": "email", "source_system": "test",
                "source_id": "c7", "started_at": dt.datetime(2026, 3, 6, 15),
                "customer_key": "C", "reason_text": "still late", "load_id": "test2"}  # fmt: skip
        conn.execute(insert(contacts), [late])
        assert stored_topic_days(conn, *PERIOD, Scope(), 1) is None  # a contact came since
    ranked = rank_defects(stored, since=SINCE, until=UNTIL, as_polars=True)
    assert dict(ranked.select("defect_id", "contacts").iter_rows())["unmapped"] == 2  # c5, c7
    with stored.begin() as conn:
        assert store_topic_days(conn, 1)
        forget_topic_days(conn)  # as an unload does
        assert stored_topic_days(conn, *PERIOD, Scope(), 1) is None


def test_a_topic_mapped_after_storing_counts_for_its_defect_at_once(stored):
    before = rank_defects(stored, since=SINCE, until=UNTIL, as_polars=True)
    assert dict(before.select("defect_id", "contacts").iter_rows()) == {
        "bill": 2, "ship": 2, "unmapped": 1,
    }  # fmt: skip
    with stored.begin() as conn:  # the unmapped topic (c5) is mapped to the shipping defect
        conn.execute(update(topics).where(topics.c.topic_id == 2).values(defect_id="ship"))
    after = rank_defects(stored, since=SINCE, until=UNTIL, as_polars=True)
    assert dict(after.select("defect_id", "contacts").iter_rows()) == {"bill": 2, "ship": 3}
