"""A cheap fingerprint of what the warehouse holds, so readers can cache derived figures.

The fingerprint changes whenever a load finishes, a model version is fitted, contacts are
assigned to topics, a topic's effective mapping changes (``analyze`` or a triage save), or an
analyst makes any decision (``changes``: a defect's owner edited, say).
It reads a handful of aggregates and the current model's topic rows: milliseconds, even at
millions of contacts.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, func, select

from dumbcontacts.etl.schema import changes, contact_topics, loads, topic_models, topics
from dumbcontacts.etl.warehouse import Warehouse

__all__ = ["read_data_version"]


def read_data_version(warehouse: Warehouse) -> str:
    """A short hex string that differs whenever the figures derived from the data may."""
    with warehouse.connect() as conn:
        parts = [*conn.execute(select(func.count(), func.max(loads.c.finished_at))).one()]
        parts += _model_parts(conn)
        parts.append(conn.execute(select(func.max(changes.c.change_id))).scalar())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _model_parts(conn: Connection) -> list:
    version = conn.execute(
        select(topic_models.c.model_version).where(topic_models.c.is_current)
    ).scalar()
    if version is None:
        return [None]
    assigned = conn.execute(
        select(func.count()).where(contact_topics.c.model_version == version)
    ).scalar()
    mapping = conn.execute(
        select(topics.c.topic_key, topics.c.defect_id, topics.c.label, topics.c.merged_into)
        .where(topics.c.model_version == version)
        .order_by(topics.c.topic_key)
    ).all()
    return [version, assigned, [tuple(row) for row in mapping]]
