"""Stored repeat links: used while the contacts are unchanged, ignored (never wrong) after."""

import datetime as dt

from sqlalchemy import insert, select

from dumbcontacts.analysis import rank_defects
from dumbcontacts.analysis.economics.links import store_links
from dumbcontacts.etl.schema import contact_links, contacts
from tests.economics_fixture import PERIOD

SINCE, UNTIL = PERIOD


def _repeats(warehouse) -> dict[str, int]:
    ranked = rank_defects(warehouse, since=SINCE, until=UNTIL, as_polars=True)
    return dict(ranked.select("defect_id", "repeat_contacts").iter_rows())


def test_links_name_each_followed_contacts_next_one(economics):
    with economics.begin() as conn:
        store_links(conn)
        rows = conn.execute(select(contact_links).order_by("contact_id")).all()
    # A: c1 (phone) -> c2 (chat); B: c3 (e-mail) -> c6 (phone); everyone else called once.
    assert [tuple(row) for row in rows] == [
        ("c1", dt.datetime(2026, 3, 5, 9), "chat"),
        ("c3", dt.datetime(2026, 3, 9, 8), "phone"),
    ]


def test_a_load_after_storing_is_counted_before_links_are_stored_again(economics):
    with economics.begin() as conn:
        store_links(conn)
        assert not store_links(conn)  # unchanged contacts: nothing to redo
    assert _repeats(economics)["ship"] == 0
    # Customer C (c4, shipping) comes back two days later.
    follow_up = {"contact_id": "c7", "channel": "email", "source_system": "test",
                 "source_id": "c7", "started_at": dt.datetime(2026, 3, 6, 15),
                 "customer_key": "C", "reason_text": "still late", "load_id": "test2"}  # fmt: skip
    with economics.begin() as conn:
        conn.execute(insert(contacts), [follow_up])
    assert _repeats(economics)["ship"] == 1  # the stale links are not used
    with economics.begin() as conn:
        assert store_links(conn)
    assert _repeats(economics)["ship"] == 1
