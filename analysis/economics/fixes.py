"""Fix verification: did a defect's contacts per order fall after its fix shipped?"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from dumbcontacts.analysis.economics.facts import DailyFacts, read_daily_facts
from dumbcontacts.analysis.economics.rate_ratio import compare_rates
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
    from it on, and whether the change is more than noise. Columns: period ("before",
    "after"), since, until, contacts, driver_count, cpx, change_pct (the after row's CPX
    change against before); per ("driver", or "day" when either side has no driver units)
    and rate (contacts per 1,000 driver units, or per day of data) are what is tested; on the
    after row, rate_ratio (after over before), ratio_low and ratio_high (its exact 95 %
    interval), p_value (of no change) and verdict ("fall", "rise" or "no detectable change";
    none when a side has no days of data) from ``rate_ratio.compare_rates``."""
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
    # Without driver units on both sides, the rate is contacts per day of data.
    per, scale = ("driver", 1000) if all(units) else ("day", 1)
    exposure = units if per == "driver" else [_days_of_data(daily, *span) for span in spans]
    rate = [n * scale / u if u else None for n, u in zip(contacts, exposure, strict=True)]
    test = (
        compare_rates(contacts[0], exposure[0], contacts[1], exposure[1]) if all(exposure) else None
    )
    tested = (test.ratio, test.low, test.high, test.p_value, test.verdict) if test else (None,) * 5
    return pl.DataFrame(
        {
            "period": ["before", "after"],
            "since": [before, fix],
            "until": [fix, after],
            "contacts": contacts,
            "driver_count": units,
            "cpx": cpx,
            "change_pct": [None, change],
            "per": [per, per],
            "rate": rate,
            "rate_ratio": [None, tested[0]],
            "ratio_low": [None, tested[1]],
            "ratio_high": [None, tested[2]],
            "p_value": [None, tested[3]],
            "verdict": [None, tested[4]],
        },
        schema=_SCHEMA,
    )


_SCHEMA = {"period": pl.Utf8, "since": pl.Date, "until": pl.Date, "contacts": pl.Int64,
           "driver_count": pl.Int64, "cpx": pl.Float64, "change_pct": pl.Float64, "per": pl.Utf8,
           "rate": pl.Float64, "rate_ratio": pl.Float64, "ratio_low": pl.Float64,
           "ratio_high": pl.Float64, "p_value": pl.Float64, "verdict": pl.Utf8}  # fmt: skip


def _days_of_data(daily: DailyFacts, since: dt.date, until: dt.date) -> int:
    """Days of [since, until) within the contact history: a window reaching past the data's
    last day must not count empty days as quiet ones."""
    if daily.first_day is None or daily.last_day is None:
        return 0
    start = max(since, daily.first_day)
    end = min(until, daily.last_day + dt.timedelta(days=1))
    return max((end - start).days, 0)


def _check_days(days: int) -> None:
    if days < 1:
        raise InputError("days must be at least 1")
