"""Fix verification: did a defect's contacts per order fall after its fix shipped?"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from dumbcontacts.analysis.economics.facts import count_driver, count_facts
from dumbcontacts.analysis.economics.scope import Scope, as_day
from dumbcontacts.errors import InputError
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = ["shape_fix", "verify_fix"]


def verify_fix(
    warehouse: Warehouse,
    defect_id: str,
    fix_date,
    *,
    days: int = 28,
    channel=None,
    driver: str = "orders",
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """The defect's contacts and CPX in the ``days`` before ``fix_date`` and the ``days``
    from it on. Columns: period ("before", "after"), since, until, contacts, driver_count,
    cpx, change_pct (the after row's CPX change against before)."""
    if days < 1:
        raise InputError("days must be at least 1")
    fix = as_day(fix_date)
    before, after = fix - dt.timedelta(days=days), fix + dt.timedelta(days=days)
    scope = Scope.of(channel=channel, defect_id=defect_id)
    with warehouse.connect() as conn:
        facts = count_facts(conn, before, after, scope, split_at=fix)
        units = [count_driver(conn, driver, *span) for span in ((before, fix), (fix, after))]
    contacts = [int(facts.filter(pl.col("current") == is_after)["contacts"].sum())
                for is_after in (False, True)]  # fmt: skip
    frame = shape_fix(fix, days, contacts, units)
    return frame if as_polars else frame.to_pandas()


def shape_fix(fix: dt.date, days: int, contacts: list[int], units: list[int]) -> pl.DataFrame:
    """The before and after rows from each side's contacts and driver units."""
    before, after = fix - dt.timedelta(days=days), fix + dt.timedelta(days=days)
    cpx = [n * 1000 / u if u else None for n, u in zip(contacts, units, strict=True)]
    change = (cpx[1] - cpx[0]) * 100 / cpx[0] if cpx[0] and cpx[1] is not None else None
    return pl.DataFrame(
        {
            "period": ["before", "after"],
            "since": [before, fix],
            "until": [fix, after],
            "contacts": contacts,
            "driver_count": units,
            "cpx": cpx,
            "change_pct": [None, change],
        },
        schema={"period": pl.Utf8, "since": pl.Date, "until": pl.Date, "contacts": pl.Int64,
                "driver_count": pl.Int64, "cpx": pl.Float64, "change_pct": pl.Float64},
    )  # fmt: skip
