"""``defects list|add|edit|retire``, ``topics list|map|ignore|merge|rename``, ``changes`` and
``undo``: the triage page's decisions from the command line.

Each decision is written to the taxonomy and overrides files (comments kept), applied to the
warehouse at once, and recorded under the operating-system user
(``dumbcontacts.analysis.topics.decisions``).
"""

from __future__ import annotations

import click

from dumbcontacts.cli.edges import open_configured_warehouse
from dumbcontacts.cli.templates import defects
from dumbcontacts.etl.readers.taxonomy import ACTIONS, CATEGORIES
from dumbcontacts.settings import Settings

__all__ = ["changes", "defects", "topics", "undo"]


def _decisions(config: Settings):
    from dumbcontacts.analysis.topics.decisions import Decisions, operating_system_user

    warehouse = open_configured_warehouse(config)
    return Decisions(warehouse, config.taxonomy, config.overrides, operating_system_user())


def _done(change) -> None:
    click.echo(f"change {change.change_id}: {change.what} (undo: dumbcontacts undo)")


def _defect_options(command):
    options = [
        click.option("--name", help="What the defect is, as a leader would say it."),
        click.option("--category", type=click.Choice(CATEGORIES), help="Its category."),
        click.option("--owner", help="The department that fixes it."),
        click.option("--action", type=click.Choice(ACTIONS), help="What to do about it."),
        click.option("--description", help="One or two sentences on it."),
        click.option(
            "--example",
            "examples",
            multiple=True,
            help="A phrase customers use for it (repeat for more); replaces the list.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@defects.command("list")
@click.pass_obj
def list_defects(config: Settings) -> None:
    """The defects in the warehouse, with their owners and actions."""
    from sqlalchemy import select

    from dumbcontacts.etl.schema import defects as table

    with open_configured_warehouse(config).connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.category, table.c.defect_id)).all()
    if not rows:
        click.echo("no defects yet: `dumbcontacts defects init`, or add one from a topic")
        return
    click.echo(f"{'id':<32} {'category':<16} {'owner':<20} {'action':<10} name")
    for r in rows:
        click.echo(f"{r.defect_id:<32} {r.category:<16} {r.owner:<20} {r.action:<10} {r.name}")


@defects.command("add")
@click.option("--id", "defect_id", help="Its id (default: made from the name).")
@_defect_options
@click.option("--from-topic", metavar="KEY", help="Map this topic to the new defect.")
@click.pass_obj
def add_defect(config: Settings, defect_id, name, category, owner, action, description,
               examples, from_topic) -> None:  # fmt: skip
    """Add a defect to the taxonomy (name, category, owner and action are required)."""
    from dumbcontacts.errors import InputError

    missing = [n for n, v in (("--name", name), ("--category", category), ("--owner", owner),
                              ("--action", action)) if not v]  # fmt: skip
    if missing:
        raise InputError(f"defects add needs {', '.join(missing)}")
    fields = {"id": defect_id, "name": name, "category": category, "owner": owner,
              "action": action, "description": description, "examples": list(examples)}  # fmt: skip
    _done(_decisions(config).add_defect(fields, from_topic=from_topic))


@defects.command("edit")
@click.argument("defect_id")
@_defect_options
@click.pass_obj
def edit_defect(config: Settings, defect_id, name, category, owner, action, description,
                examples) -> None:  # fmt: skip
    """Change a defect's name, category, owner, action, description or examples."""
    fields = {"name": name, "category": category, "owner": owner, "action": action,
              "description": description, "examples": list(examples) or None}  # fmt: skip
    _done(_decisions(config).edit_defect(defect_id, fields))


@defects.command("retire")
@click.argument("defect_id")
@click.pass_obj
def retire_defect(config: Settings, defect_id) -> None:
    """Retire a defect: kept in the file, its topics go back to triage."""
    _done(_decisions(config).retire_defect(defect_id))


@click.group()
def topics() -> None:
    """The current model's topics: list them, and map, ignore, merge or rename one."""


@topics.command("list")
@click.pass_obj
def list_topics(config: Settings) -> None:
    """Every topic of the current model, biggest first, with its defect."""
    from dumbcontacts.analysis.topics.mapping import current_topics

    frame = current_topics(open_configured_warehouse(config))
    if frame.is_empty():
        click.echo("no topic model yet: run `dumbcontacts analyze` first")
        return
    click.echo(f"{'key':<6} {'contacts':>8}  {'defect':<28} {'category':<24} {'lang':<4} label")
    for r in frame.iter_rows(named=True):
        where = f"-> {r['merged_into']}" if r["merged_into"] else r["defect_id"] or "(triage)"
        category, language = (r["category"] or "-")[:24], r["language"] or "-"
        click.echo(
            f"{r['topic_key']:<6} {r['contacts']:>8,}  {where:<28} {category:<24} {language:<4} "
            f"{r['label']}"
        )


@topics.command("map")
@click.argument("key")
@click.argument("defect_id")
@click.pass_obj
def map_topic(config: Settings, key, defect_id) -> None:
    """Count topic KEY's contacts on DEFECT_ID."""
    _done(_decisions(config).map_topic(key, defect_id))


@topics.command("ignore")
@click.argument("key")
@click.pass_obj
def ignore_topic(config: Settings, key) -> None:
    """Topic KEY is not a defect (praise, marketing, spam, small talk)."""
    _done(_decisions(config).ignore_topic(key))


@topics.command("merge")
@click.argument("key")
@click.argument("into")
@click.pass_obj
def merge_topic(config: Settings, key, into) -> None:
    """Count topic KEY's contacts as topic INTO."""
    _done(_decisions(config).merge_topic(key, into))


@topics.command("rename")
@click.argument("key")
@click.argument("label")
@click.pass_obj
def rename_topic(config: Settings, key, label) -> None:
    """Name topic KEY as LABEL in the dashboard and reports."""
    _done(_decisions(config).rename_topic(key, label))


@click.command()
@click.option("--limit", default=20, show_default=True, help="How many to list.")
@click.pass_obj
def changes(config: Settings, limit: int) -> None:
    """The latest decisions on topics and defects, newest first."""
    from dumbcontacts.analysis.topics.decisions import list_changes

    frame = list_changes(open_configured_warehouse(config), limit)
    if frame.is_empty():
        click.echo("no changes yet")
    for r in frame.iter_rows(named=True):
        undone = f"  (undone by {r['undone_by']})" if r["undone_by"] else ""
        click.echo(f"{r['change_id']:>4}  {r['made_at']:%Y-%m-%d %H:%M}  {r['made_by']}: "
                   f"{r['what']}{undone}")  # fmt: skip


@click.command()
@click.argument("change_id", type=int, required=False)
@click.pass_obj
def undo(config: Settings, change_id: int | None) -> None:
    """Undo the latest change (or CHANGE_ID): both files back as they were before it."""
    _done(_decisions(config).undo(change_id))
