"""``unload``: remove one load, so a corrected file can be loaded again."""

from __future__ import annotations

from pathlib import Path

import click

from dumbcontacts.cli.edges import open_configured_warehouse
from dumbcontacts.errors import InputError
from dumbcontacts.settings import Settings

__all__ = ["unload"]

_LISTED_LOADS = 20


@click.command()
@click.argument("load_id", required=False)
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    help="The file the load came from, instead of its LOAD_ID.",
)
@click.pass_obj
def unload(config: Settings, load_id: str | None, source: Path | None) -> None:
    """Remove one load's contacts, rejects, topic assignments and record, in one transaction.

    LOAD_ID is the id `load` printed (or a unique start of it, six characters or more);
    without one, the latest loads are listed.
    """
    from dumbcontacts.unload import find_load, remove_load

    if load_id is not None and source is not None:
        raise InputError("give a LOAD_ID or --source FILE, not both")
    warehouse = open_configured_warehouse(config)
    if load_id is None and source is None:
        _list_loads(warehouse)
        raise InputError(
            "name the LOAD_ID to unload (the latest loads are listed above), or --source FILE"
        )
    result = remove_load(warehouse, load_id or find_load(warehouse, source))
    removed = [
        (result.contacts, "contacts"),
        (result.assignments, "topic assignments"),
        (result.rejects, "rejects"),
        (result.volumes, "daily volumes"),
        (result.defects, "defects"),
    ]
    what = ", ".join(f"{n:,} {name}" for n, name in removed if n) or "no rows"
    click.echo(f"unloaded {result.load_id} ({result.source}): removed {what}")


def _list_loads(warehouse) -> None:
    from dumbcontacts.analysis.economics.health import load_history

    history = load_history(warehouse, limit=_LISTED_LOADS, as_polars=True)
    if history.is_empty():
        click.echo("no loads yet")
        return
    click.echo(f"{'load_id':<16}  {'finished (UTC)':<16}  {'loaded':>9}  source")
    for row in history.iter_rows(named=True):
        finished = row["finished_at"].strftime("%Y-%m-%d %H:%M")
        loaded = f"{row['rows_loaded']:>9,}"
        click.echo(f"{row['load_id']:<16}  {finished:<16}  {loaded}  {row['source']}")
