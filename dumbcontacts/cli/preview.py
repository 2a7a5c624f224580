"""``load --dry-run``: print what a load would store; write nothing, open no warehouse."""

from __future__ import annotations

import datetime as dt

import click
import polars as pl

from dumbcontacts.etl.detect import Source
from dumbcontacts.etl.preview import Preview, preview_source
from dumbcontacts.etl.readers.mapping import Mapping

__all__ = ["print_dry_run"]

# Customer keys are salted hashes; without a configured salt the preview cannot know the
# warehouse's own (reading it would mean opening the warehouse), so it shows keys made with
# this one: which contacts share a customer is the same, the values are not.
PREVIEW_SALT = "dry-run"
_SHOWN_ROWS = 5
_SHOWN_REJECTS = 5
_CELL_CHARS = 36  # the last column (the reason) gets twice as many
_HEADINGS = {"handle_seconds": "handle_s", "reason_text": "reason"}


def print_dry_run(
    sources: list[Source],
    *,
    mapping: Mapping | None,
    mapping_name: str | None,
    salt: str | None,
    detected: bool,
) -> None:
    """Preview every source in turn; one that cannot be read raises LoadError (exit 2)."""
    click.echo("dry run: nothing is written")
    for source in sources:
        click.echo(f"\n{source.path}")
        if source.kind == "skip":
            click.echo(f"  skipped: {source.note}")
            continue
        preview = preview_source(source, mapping=mapping, salt=salt or PREVIEW_SALT)
        _print_preview(preview, mapping, mapping_name, detected, preview_salt=salt is None)


def _print_preview(
    preview: Preview,
    mapping: Mapping | None,
    mapping_name: str | None,
    detected: bool,
    *,
    preview_salt: bool,
) -> None:
    source = preview.source
    if mapping is not None:
        click.echo(f"  format    CSV described by the mapping {mapping_name}")
        click.echo(f"  channel   {source.channel}, source system {mapping.source_system}")
        times = mapping.timestamp_format or "ISO 8601"
        click.echo(f"  times     {times}, {mapping.timezone} where no offset is given")
    else:
        how = "detected" if detected else "as given"
        kind = source.channel or source.kind
        click.echo(f"  format    {source.format}, {kind} ({how})")
    if preview.fields:
        click.echo("  fields")
        for field, origin in preview.fields:
            click.echo(f"    {field:<17} <- {origin}")
    if preview.unused_columns:
        click.echo(f"  not read  {', '.join(preview.unused_columns)}")
    _print_counts(preview)
    if not preview.rows.is_empty():
        note = "times UTC"
        if preview_salt and source.kind == "contacts":
            note += "; customer keys salted for this preview, not as the warehouse will"
        click.echo(f"\n  first {min(_SHOWN_ROWS, preview.rows.height)} as stored ({note}):")
        for line in _table(_shortened(preview.rows.head(_SHOWN_ROWS))):
            click.echo(f"    {line}")
    if not preview.rejects.is_empty():
        shown = min(_SHOWN_REJECTS, preview.rejects.height)
        click.echo(f"\n  rejected, first {shown} of {preview.rejects.height:,}:")
        for record_no, reason in preview.rejects.head(_SHOWN_REJECTS).iter_rows():
            click.echo(f"    record {record_no}: {reason}")


def _print_counts(preview: Preview) -> None:
    noun = {"contacts": "contacts", "volumes": "daily volumes", "taxonomy": "defects"}
    click.echo(
        f"  would store {preview.rows.height:,} {noun[preview.source.kind]}; "
        f"{preview.rows_duplicate:,} duplicate in the file; "
        f"{preview.rejects.height:,} rejected"
    )
    if preview.without_reason:
        share = preview.without_reason / max(preview.rows.height, 1)
        n = preview.without_reason
        counted = "1 contact has" if n == 1 else f"{n:,} contacts have"
        click.echo(f"  {counted} no reason ({share:.0%}): counted and priced, but not clustered")


def _shortened(rows: pl.DataFrame) -> pl.DataFrame:
    """A customer key's first 12 hex digits tell keys apart well enough to read."""
    if "customer_key" not in rows.columns:
        return rows
    return rows.with_columns(pl.col("customer_key").str.head(12))


def _table(frame: pl.DataFrame) -> list[str]:
    """Fixed-width text: each cell cut to a readable length, the last column unpadded."""
    names = frame.columns
    cells = [[_HEADINGS.get(n, n) for n in names]]
    last = len(names) - 1
    cells += [
        [_cell(value, _CELL_CHARS * (2 if i == last else 1)) for i, value in enumerate(row)]
        for row in frame.iter_rows()
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(names))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]


def _cell(value, chars: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = " ".join(str(value).split())  # one line, however the text was broken
    return text if len(text) <= chars else text[: chars - 1] + "…"
