"""Sample verbatims: what customers said, in their own (redacted) words."""

from __future__ import annotations

import pandas as pd
import polars as pl
from sqlalchemy import func, literal, select

from analysis.scope import Scope, defect_contacts, resolve_period
from etl.warehouse import Warehouse

__all__ = ["verbatims"]


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
        base = defect_contacts(conn, since, until, scope).subquery()
        # A hash of the id orders contacts the same way on every engine and every run.
        shuffle = func.md5(literal(f"{seed}|") + base.c.contact_id)
        query = (
            select(base.c.contact_id, base.c.started_at, base.c.channel, base.c.reason_text)
            .where(func.length(func.trim(base.c.reason_text)) > 0)
            .order_by(shuffle)
            .limit(n)
        )
        rows = conn.execute(query).all()
    schema = {"contact_id": pl.Utf8, "started_at": pl.Datetime("us"), "channel": pl.Utf8,
              "reason_text": pl.Utf8}  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame if as_polars else frame.to_pandas()
