"""Repeat contacts: the same customer back within N days, on any channel.

A repeat is counted against the defect of the contact it follows up: if a double charge
brings a customer back three days later, the double charge failed them twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import BigInteger, Float, case, cast, extract, func, select

from dumbcontacts.analysis.economics.scope import (
    Scope,
    defect_catalogue,
    defect_contacts,
    resolve_period,
)
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import REPEAT_WINDOW_DAYS

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = ["repeat_contacts"]


def repeat_contacts(
    warehouse: Warehouse,
    *,
    since=None,
    until=None,
    channel=None,
    category=None,
    owner=None,
    repeat_days: int = REPEAT_WINDOW_DAYS,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """Per defect: contacts, repeat_contacts (followed up within ``repeat_days``),
    repeat_rate, cross_channel_repeats and mean_hours_to_repeat; highest rate first."""
    scope = Scope.of(since, until, channel, category, owner)
    with warehouse.connect() as conn:
        since, until = resolve_period(conn, scope)
        base = defect_contacts(conn, since, until, scope, repeat_days=repeat_days).subquery()
        gap_seconds = cast(extract("epoch", base.c.repeat_after - base.c.started_at), Float)
        other = case((base.c.repeat_channel != base.c.channel, 1), else_=0)
        query = select(
            base.c.defect_id,
            func.count().label("contacts"),
            func.count(base.c.repeat_after).label("repeat_contacts"),
            cast(func.coalesce(func.sum(other), 0), BigInteger).label("cross_channel_repeats"),
            cast(func.avg(gap_seconds), Float).label("mean_seconds_to_repeat"),
        ).group_by(base.c.defect_id)
        rows = conn.execute(query).all()
        names = defect_catalogue(conn).select("defect_id", "name")
    schema = {"defect_id": pl.Utf8, "contacts": pl.Int64, "repeat_contacts": pl.Int64,
              "cross_channel_repeats": pl.Int64, "mean_seconds_to_repeat": pl.Float64}  # fmt: skip
    frame = (
        pl.DataFrame(rows, schema=schema, orient="row")
        .join(names, on="defect_id", how="left")
        .with_columns(
            repeat_rate=pl.col("repeat_contacts") / pl.col("contacts"),
            mean_hours_to_repeat=pl.col("mean_seconds_to_repeat") / 3600,
        )
        .select(
            "defect_id",
            "name",
            "contacts",
            "repeat_contacts",
            "repeat_rate",
            "cross_channel_repeats",
            "mean_hours_to_repeat",
        )  # fmt: skip
        .sort(["repeat_rate", "defect_id"], descending=[True, False])
    )
    return frame if as_polars else frame.to_pandas()
