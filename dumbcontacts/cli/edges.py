"""What every command does at its edge: open the configured warehouse, fail in one line."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from dumbcontacts.etl.warehouse import DEFAULT_URL, Warehouse, WarehouseBusy, open_warehouse
from dumbcontacts.settings import Settings

__all__ = ["fail", "open_configured_warehouse"]


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def open_configured_warehouse(config: Settings) -> Warehouse:
    try:
        return open_warehouse(config.warehouse_url)
    except (SQLAlchemyError, WarehouseBusy) as error:
        first_line = str(error).strip().splitlines()[0]
        fail(f"cannot open warehouse {config.warehouse_url or DEFAULT_URL}: {first_line}")
