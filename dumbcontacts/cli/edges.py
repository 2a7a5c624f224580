"""What every command does at its edge: open the configured warehouse, fail in one line."""

from __future__ import annotations

import datetime as dt
import sys
from typing import NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from dumbcontacts.etl.warehouse import DEFAULT_URL, Warehouse, WarehouseBusy, open_warehouse
from dumbcontacts.settings import Settings, TimeWindow

__all__ = ["fail", "open_configured_warehouse", "read_day"]


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def open_configured_warehouse(config: Settings) -> Warehouse:
    try:
        return open_warehouse(config.warehouse_url)
    except (SQLAlchemyError, WarehouseBusy) as error:
        first_line = str(error).strip().splitlines()[0]
        fail(f"cannot open warehouse {config.warehouse_url or DEFAULT_URL}: {first_line}")


def read_day(
    value: str | None, option: str, window: TimeWindow, *, exclusive_end: bool = False
) -> dt.date | None:
    """A date option, checked against the plausibility window as loaded times are; a bad
    one fails in one line (exit 2)."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r}: not a date (YYYY-MM-DD)")
    if not window.holds_day(day, exclusive_end=exclusive_end):
        fail(f"{option} {day.isoformat()}: outside {window.describe()}")
    return day
