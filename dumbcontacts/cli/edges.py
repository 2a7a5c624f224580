"""What every command does at its edge: open the configured warehouse, fail in one line.

``Commands`` is the command group: a ``DumbContactsError`` from any command ends as one
line on stderr with the error's exit status; any other exception is a bug and keeps its
traceback.
"""

from __future__ import annotations

import sys

import click

from dumbcontacts.errors import DumbContactsError, WarehouseMissing
from dumbcontacts.etl.warehouse import Warehouse, create_warehouse, open_warehouse
from dumbcontacts.settings import Settings

__all__ = [
    "Commands",
    "create_configured_warehouse",
    "find_configured_warehouse",
    "open_configured_warehouse",
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
