"""What every command does at its edge: open the configured warehouse, fail in one line.

``Commands`` is the command group: a ``DumbContactsError`` from any command ends as one
line on stderr with the error's exit status; any other exception is a bug and keeps its
traceback.
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from dumbcontacts.errors import DumbContactsError, InputError, WarehouseMissing
from dumbcontacts.etl.warehouse import Warehouse, create_warehouse, open_warehouse
from dumbcontacts.settings import Settings, TimeWindow

__all__ = [
    "Commands",
    "create_configured_warehouse",
    "find_configured_warehouse",
    "open_configured_warehouse",
    "read_day",
]


class Commands(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DumbContactsError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)


def create_configured_warehouse(config: Settings) -> Warehouse:
    """The configured warehouse, created or upgraded: for the commands that write."""
    return create_warehouse(config.warehouse_url)


def open_configured_warehouse(config: Settings) -> Warehouse:
    """The configured warehouse, which must exist (else WarehouseMissing): for reading."""
    return open_warehouse(config.warehouse_url)


def find_configured_warehouse(config: Settings) -> Warehouse | None:
    """The configured warehouse if there is one (none is made): for a command that caches."""
    try:
        return open_warehouse(config.warehouse_url)
    except WarehouseMissing:
        return None


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
        raise InputError(f"{option} {value!r}: not a date (YYYY-MM-DD)") from None
    if not window.holds_day(day, exclusive_end=exclusive_end):
        raise InputError(f"{option} {day.isoformat()}: outside {window.describe()}")
    return day
