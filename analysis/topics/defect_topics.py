"""What a defect's customers talk about: its topics in the current model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import func, select

from dumbcontacts.analysis.economics.scope import current_model_version
from dumbcontacts.etl.schema import contact_topics, topics
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = ["defect_topics"]

_SCHEMA = {"topic_key": pl.Utf8, "label": pl.Utf8, "keywords": pl.Utf8, "contacts": pl.Int64}


def defect_topics(
    warehouse: Warehouse, defect_id: str, *, as_polars: bool = False
) -> pd.DataFrame | pl.DataFrame:
    """The current model's topics mapped to ``defect_id`` (merged ones included), biggest
    first. Columns: topic_key, label, keywords (comma-separated), contacts (assigned)."""
    with warehouse.connect() as conn:
        version = current_model_version(conn)
        rows = [] if version is None else conn.execute(_query(version, defect_id)).all()
    frame = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    return frame if as_polars else frame.to_pandas()


def _query(version: int, defect_id: str):
    assigned = (
        select(contact_topics.c.topic_id, func.count().label("contacts"))
        .where(contact_topics.c.model_version == version)
        .group_by(contact_topics.c.topic_id)
        .subquery()
    )
    contacts = func.coalesce(assigned.c.contacts, 0)
    return (
        select(topics.c.topic_key, topics.c.label, topics.c.keywords, contacts)
        .outerjoin(assigned, assigned.c.topic_id == topics.c.topic_id)
        .where(topics.c.model_version == version, topics.c.defect_id == defect_id)
        .order_by(contacts.desc(), topics.c.topic_key)
    )
