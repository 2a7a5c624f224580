"""Sample verbatims: what customers said, in their own (redacted) words."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import func, literal, select

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
    with warehouse.connect() as conn:
        since, until = resolve_period(conn, scope)
        version = current_model_version(conn)
        start, end = (dt.datetime.combine(d, dt.time()) for d in (since, until))
        # A hash of the id orders contacts the same way on every engine and every run.
        shuffle = func.md5(literal(f"{seed}|") + contacts.c.contact_id)
        # Straight from the contacts: ``analysis.economics.scope.defect_contacts`` would first work
        # out repeats for the whole period, which a sample does not need.
        query = (
            select(
                contacts.c.contact_id,
                contacts.c.started_at,
                contacts.c.channel,
                contacts.c.reason_text,
            )  # fmt: skip
            .where(contacts.c.started_at >= start, contacts.c.started_at < end)
            .where(_of_defect(version, defect_id))
            .where(func.length(func.trim(contacts.c.reason_text)) > 0)
            .order_by(shuffle)
            .limit(n)
        )
        if scope.channel:
            query = query.where(contacts.c.channel.in_(scope.channel))
        rows = conn.execute(query).all()
    frame = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    return frame if as_polars else frame.to_pandas()


def _of_defect(version: int | None, defect_id: str):
    """Contacts whose topic (under ``version``) maps to a defect of the taxonomy ``defect_id``;
    for "unmapped", those with no such topic, as ``scope.defect_contacts`` counts."""
    version = version if version is not None else -1
    mapped = select(topics.c.topic_id).where(
        topics.c.model_version == version, topics.c.defect_id.in_(select(defects.c.defect_id))
    )
    if defect_id != UNMAPPED:
        mapped = mapped.where(topics.c.defect_id == defect_id)
    members = select(contact_topics.c.contact_id).where(
        contact_topics.c.model_version == version, contact_topics.c.topic_id.in_(mapped)
    )
    if defect_id == UNMAPPED:
        return contacts.c.contact_id.not_in(members)
    return contacts.c.contact_id.in_(members)
