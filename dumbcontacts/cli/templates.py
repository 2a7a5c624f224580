"""``defects init`` and ``mappings``: the starter files shipped with the package."""

from __future__ import annotations

import io
from pathlib import Path

import click

from dumbcontacts.errors import InputError
from dumbcontacts.etl.readers.mapping import read_mapping
from dumbcontacts.etl.readers.taxonomy import read_taxonomy
from dumbcontacts.etl.templates import MAPPINGS, TAXONOMIES, find_template, list_templates

__all__ = ["defects", "mappings"]


@click.group()
def defects() -> None:
    """The defect taxonomy: start one from a template; list, add, edit or retire defects."""


@defects.command("init")
@click.option("--template", default="generic", show_default=True, help="Which starter taxonomy.")
@click.option(
    "--out",
    default="defects.toml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it.",
)
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def init(template: str, out: Path, force: bool) -> None:
    """Write a starter taxonomy to edit, then load (`dumbcontacts defects templates` lists them)."""
    chosen = find_template(TAXONOMIES, template)
    data = chosen.read_bytes()
    try:
        with out.open("wb" if force else "xb") as fp:  # "x": never overwrite by accident
            fp.write(data)
    except FileExistsError:
        raise InputError(f"{out}: already exists; edit it, or pass --force to replace it") from None
    except OSError as error:
        raise InputError(f"{out}: cannot write: {error.strerror}") from None
    count = len(read_taxonomy(io.BytesIO(data)))
    click.echo(f"wrote {out}: the {chosen.name} starter taxonomy, {count} defects")
    click.echo("edit it: your departments as owners, your customers' words as examples; then")
    click.echo(f"  dumbcontacts load {out} && dumbcontacts analyze")


@defects.command("templates")
def templates() -> None:
    """List the starter taxonomies."""
    click.echo(f"{'name':<10} {'defects':>7}  about")
    for template in list_templates(TAXONOMIES):
        count = len(read_taxonomy(io.BytesIO(template.read_bytes())))
        click.echo(f"{template.name:<10} {count:>7}  {template.title}")


@click.command()
@click.argument("name", required=False)
def mappings(name: str | None) -> None:
    """List the shipped mappings of common exports, or print the one called NAME.

    Use one as `load --mapping NAME`, or print it into a file and edit it.
    """
    if name is not None:
        click.echo(find_template(MAPPINGS, name).read_bytes().decode("utf-8"), nl=False)
        return
    shipped = list_templates(MAPPINGS)
    width = max(len(t.name) for t in shipped)
    click.echo(f"{'name':<{width}}  {'channel':<7}  column names from")
    for template in shipped:
        channel = read_mapping(io.BytesIO(template.read_bytes())).channel
        click.echo(f"{template.name:<{width}}  {channel:<7}  {template.column_source}")
