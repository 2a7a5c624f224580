"""Fix verification: did a defect's contacts per order fall after its fix shipped?"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from dumbcontacts.analysis.economics.facts import DailyFacts, read_daily_facts
from dumbcontacts.analysis.economics.scope import Scope, as_day
from dumbcontacts.errors import InputError
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import CPX_DRIVER

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
    driver: str = CPX_DRIVER,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """The defect's contacts and CPX in the ``days`` before ``fix_date`` and the ``days``
    from it on. Columns: period ("before", "after"), since, until, contacts, driver_count,
    cpx, change_pct (the after row's CPX change against before)."""
    fix = as_day(fix_date)
    _check_days(days)
    around = Scope.of(fix - dt.timedelta(days=days), fix + dt.timedelta(days=days), channel,
                    defect_id=defect_id)  # fmt: skip
    daily = read_daily_facts(warehouse, around, driver=driver)
    frame = shape_fix(daily, defect_id, fix, days=days, channel=channel)
    return frame if as_polars else frame.to_pandas()


def shape_fix(
    daily: DailyFacts, defect_id: str, fix: dt.date, *, days: int = 28, channel=None
) -> pl.DataFrame:
    """The before and after rows of ``verify_fix`` from the daily facts."""
    _check_days(days)
    before, after = fix - dt.timedelta(days=days), fix + dt.timedelta(days=days)
    scope = Scope.of(channel=channel, defect_id=defect_id)
    spans = ((before, fix), (fix, after))
    contacts = [int(daily.select(scope, *span)["contacts"].sum()) for span in spans]
    units = [daily.units(*span) for span in spans]
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


def _check_days(days: int) -> None:
    if days < 1:
        raise InputError("days must be at least 1")
