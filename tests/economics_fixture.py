"""A warehouse small enough to work every metric out by hand (figures in tests/test_ranking.py).

Two weeks: the period 2026-03-02 .. 03-09 and the week before it. Customer A calls about a
double charge and chats about a late order three days later; customer B e-mails about the
charge and phones again six days later, just after the period ends.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from dumbcontacts.analysis.economics.links import store_links
from dumbcontacts.analysis.economics.topic_days import store_topic_days
from dumbcontacts.etl.schema import (
    business_volumes,
    contact_topics,
    contacts,
    defects,
    topic_models,
    topics,
)
from dumbcontacts.etl.warehouse import Warehouse

__all__ = ["PERIOD", "build_economics_warehouse"]

PERIOD = (dt.date(2026, 3, 2), dt.date(2026, 3, 9))

# contact, channel, customer, started, handle seconds, topic (0 bill, 1 ship, 2 unmapped)
CONTACTS = [
    ("c1", "phone", "A", "2026-03-02 10:00", 600, 0),
    ("c2", "chat", "A", "2026-03-05 09:00", 300, 1),
    ("c3", "email", "B", "2026-03-03 12:00", None, 0),
    ("c4", "phone", "C", "2026-03-04 15:00", 120, 1),
    ("c5", "social", "D", "2026-03-08 23:00", None, 2),
    ("c6", "phone", "B", "2026-03-09 08:00", 60, 0),
    ("p1", "phone", "E", "2026-02-24 10:00", 300, 0),
    ("p2", "chat", "F", "2026-02-25 10:00", 600, 0),
    ("p3", "email", "G", "2026-02-26 10:00", None, 1),
]
DEFECTS = [
    ("bill", "Charged twice", "billing", "Payments", "eliminate"),
    ("ship", "Order late", "shipping", "Logistics", "automate"),
]
ORDERS_PER_DAY = {"2026-02-23": 7 * [1000 // 7], "2026-03-02": 7 * [2000 // 7]}


def build_economics_warehouse(warehouse: Warehouse, *, store: bool = False) -> None:
    """The warehouse above; ``store`` also stores the repeat links and the daily counts per
    topic, as ``analyze`` does."""
    contact_rows = [
        {"contact_id": cid, "channel": channel, "source_system": "test", "source_id": cid,
         "started_at": dt.datetime.fromisoformat(started), "customer_key": customer,
         "handle_seconds": handle, "reason_text": f"reason of {cid}", "load_id": "test"}
        for cid, channel, customer, started, handle, _ in CONTACTS
    ]  # fmt: skip
    monday = {week: dt.date.fromisoformat(week) for week in ORDERS_PER_DAY}
    volume_rows = [
        {"day": monday[week] + dt.timedelta(days=i), "driver": "orders", "count": count,
         "load_id": "test"}
        for week, counts in ORDERS_PER_DAY.items()
        for i, count in enumerate(counts)
    ]  # fmt: skip
    # The last day takes the remainder, so each week's orders are exactly 1,000 and 2,000.
    volume_rows[6]["count"] += 1000 % 7
    volume_rows[13]["count"] += 2000 % 7
    with warehouse.begin() as conn:
        conn.execute(insert(contacts), contact_rows)
        conn.execute(insert(business_volumes), volume_rows)
        conn.execute(
            insert(defects),
            [dict(zip(("defect_id", "name", "category", "owner", "action"), d, strict=True))
             | {"load_id": "test"} for d in DEFECTS],
        )  # fmt: skip
        conn.execute(
            insert(topic_models).values(
                model_version=1, created_at=dt.datetime(2026, 3, 10), embedder="test", n_docs=9,
                n_topics=3, outlier_share=0.0, settings="{}", is_current=True,
            )
        )  # fmt: skip
        conn.execute(
            insert(topics),
            [
                {"model_version": 1, "topic_id": i, "topic_key": f"k{i}", "label": f"topic {i}",
                 "keywords": "", "size": 0, "defect_id": defect, "mapping_confidence": 1.0,
                 "centroid": b""}
                for i, defect in enumerate(["bill", "ship", None])
            ],
        )  # fmt: skip
        conn.execute(
            insert(contact_topics),
            [
                {"contact_id": cid, "model_version": 1, "topic_id": topic, "probability": 1.0}
                for cid, *_, topic in CONTACTS
            ],
        )
        if store:
            store_links(conn)
            store_topic_days(conn, 1)
