"""Read contacts back out, filtered in the warehouse, as a pandas or polars DataFrame."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import select

from dumbcontacts.etl.schema import contacts
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_contacts"]


def read_contacts(
    warehouse: Warehouse,
    *,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    channel: str | None = None,
    columns: list[str] | None = None,
    limit: int | None = None,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """Contacts started in [since, until), newest first. ``until`` is exclusive."""
    chosen = [contacts.c[name] for name in columns] if columns else [contacts]
    query = select(*chosen).order_by(contacts.c.started_at.desc(), contacts.c.contact_id)
    if since is not None:
        query = query.where(contacts.c.started_at >= since)
    if until is not None:
        query = query.where(contacts.c.started_at < until)
    if channel is not None:
        query = query.where(contacts.c.channel == channel)
    if limit is not None:
        query = query.limit(limit)
    import pandas as pd  # here: commands that never read contacts back need not load it

    with warehouse.connect() as conn:
        result = conn.execute(query)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return pl.from_pandas(frame) if as_polars else frame
