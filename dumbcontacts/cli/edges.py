"""What every command does at its edge: open the configured warehouse, fail in one line.

``Commands`` is the command group: a ``DumbContactsError`` from any command ends as one
line on stderr with the error's exit status; any other exception is a bug and keeps its
traceback.
"""

from __future__ import annotations

import sys

import click

from dumbcontacts.errors import DumbContactsError
from dumbcontacts.etl.warehouse import Warehouse, open_warehouse
from dumbcontacts.settings import Settings

__all__ = ["Commands", "open_configured_warehouse"]


class Commands(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DumbContactsError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)


def open_configured_warehouse(config: Settings) -> Warehouse:
    return open_warehouse(config.warehouse_url)
