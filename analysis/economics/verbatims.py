"""Sample verbatims: what customers said, in their own (redacted) words."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, and_, exists, func, select

from dumbcontacts.analysis.economics.scope import (
    UNMAPPED,
    Scope,
    current_model_version,
    resolve_period,
)
from dumbcontacts.etl.schema import contact_topics, contacts, defects, topics
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = ["verbatims"]

_SCHEMA = {"contact_id": pl.Utf8, "started_at": pl.Datetime("us"), "channel": pl.Utf8,
           "reason_text": pl.Utf8}  # fmt: skip


def verbatims(
    warehouse: Warehouse,
    defect_id: str,
    n: int = 3,
    *,
    since=None,
    until=None,
    channel=None,
    seed: int = 0,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """Up to ``n`` reason texts of a defect's contacts, a seeded sample (the same seed gives
    the same contacts). Columns: contact_id, started_at, channel, reason_text."""
    scope = Scope.of(since, until, channel, defect_id=defect_id)
    # A contact's id is an md5 hex digest, so ids are evenly spread: the first ``n`` ids from
    # a point the seed picks (wrapping round) are a sample, the same on every engine and run,
    # that an index walks to without reading the defect's other contacts.
    start = hashlib.md5(f"{seed}|".encode()).hexdigest()
    with warehouse.connect() as conn:
        since, until = resolve_period(conn, scope)
        version = current_model_version(conn)
        begin, end = (dt.datetime.combine(d, dt.time()) for d in (since, until))
        wanted = and_(
            contacts.c.started_at >= begin,
            contacts.c.started_at < end,
            func.length(func.trim(contacts.c.reason_text)) > 0,
        )
        if scope.channel:
            wanted = and_(wanted, contacts.c.channel.in_(scope.channel))
        # PostgreSQL walks each topic's members along an index, from the seeded point and
        # then from the first id; DuckDB keeps no index: one scan, one sort.
        walk = conn.dialect.name == "postgresql"
        found = []
        for source, member, order in _members(conn, version, defect_id, per_topic=walk):
            query = select(*_COLUMNS).select_from(source).where(member, wanted)
            if not walk:
                found += conn.execute(query.order_by(order < start, order).limit(n)).all()
                continue
            for part in (order >= start, order < start):
                found += conn.execute(query.where(part).order_by(order).limit(n)).all()
    found.sort(key=lambda row: (row.contact_id < start, row.contact_id))
    frame = pl.DataFrame(found[:n], schema=_SCHEMA, orient="row")
    return frame if as_polars else frame.to_pandas()


_COLUMNS = (contacts.c.contact_id, contacts.c.started_at, contacts.c.channel,
            contacts.c.reason_text)  # fmt: skip


def _members(conn: Connection, version: int | None, defect_id: str, *, per_topic: bool):
    """(rows to select from, a condition, the contact id to order them by) that hold the
    contacts of ``defect_id`` as ``scope.defect_contacts`` counts them: the members of the
    topics mapped to the defect (``per_topic``: one each, which an index keeps in id order),
    or for "unmapped" the contacts that no topic of a defect of the taxonomy holds."""
    version = version if version is not None else -1
    mapped = select(topics.c.topic_id).where(
        topics.c.model_version == version, topics.c.defect_id.in_(select(defects.c.defect_id))
    )
    if defect_id == UNMAPPED:
        # NOT EXISTS, not NOT IN: PostgreSQL probes the key for each contact walked, where
        # NOT IN over a million members it cannot hash would rescan them for each one.
        held = exists().where(
            contact_topics.c.contact_id == contacts.c.contact_id,
            contact_topics.c.model_version == version,
            contact_topics.c.topic_id.in_(mapped),
        )
        return [(contacts, ~held, contacts.c.contact_id)]
    chosen = conn.execute(mapped.where(topics.c.defect_id == defect_id)).scalars().all()
    member = and_(
        contact_topics.c.contact_id == contacts.c.contact_id,
        contact_topics.c.model_version == version,
    )
    of_topics = [[topic_id] for topic_id in sorted(chosen)] if per_topic else [chosen]
    return [
        (contact_topics.join(contacts, member), contact_topics.c.topic_id.in_(ids),
         contact_topics.c.contact_id)
        for ids in of_topics
    ]  # fmt: skip
