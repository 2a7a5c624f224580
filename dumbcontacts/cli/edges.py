"""What every command does at its edge: open the configured warehouse, fail in one line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from dumbcontacts.etl.warehouse import (
    Warehouse,
    WarehouseBusy,
    WarehouseMissing,
    create_warehouse,
    open_warehouse,
    show_url,
)
from dumbcontacts.settings import Settings

__all__ = [
    "create_configured_warehouse",
    "fail",
    "find_configured_warehouse",
    "open_configured_warehouse",
]


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def create_configured_warehouse(config: Settings) -> Warehouse:
    """The configured warehouse, created or upgraded: for the commands that write."""
    return _opened(create_warehouse, config)


def open_configured_warehouse(config: Settings) -> Warehouse:
    """The configured warehouse, which must exist: for the commands that only read."""
    try:
        return _opened(open_warehouse, config)
    except WarehouseMissing as error:
        fail(str(error))


def find_configured_warehouse(config: Settings) -> Warehouse | None:
    """The configured warehouse if there is one (none is made): for a command that caches."""
    try:
        return _opened(open_warehouse, config)
    except WarehouseMissing:
        return None


def _opened(how: Callable[[str | None], Warehouse], config: Settings) -> Warehouse:
    try:
        return how(config.warehouse_url)
    except (SQLAlchemyError, WarehouseBusy) as error:
        first_line = str(error).strip().splitlines()[0]
        fail(f"cannot open warehouse {show_url(config.warehouse_url)}: {first_line}")
