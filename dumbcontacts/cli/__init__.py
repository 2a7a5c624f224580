"""The ``dumbcontacts`` command: parse arguments, call one function, print.

A ``DumbContactsError`` ends as one line on stderr naming the file and the reason, with a
non-zero exit (``edges.Commands``); any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dumbcontacts.cli.analysis import analyze, evaluate
from dumbcontacts.cli.dashboard import PORT, dashboard, serve_dashboard
from dumbcontacts.cli.decisions import changes, topics, undo
from dumbcontacts.cli.edges import Commands, create_configured_warehouse
from dumbcontacts.cli.jobs import report
from dumbcontacts.cli.jobs import run as run_command
from dumbcontacts.cli.metrics import rank
from dumbcontacts.cli.templates import defects, mappings
from dumbcontacts.cli.unload import unload
from dumbcontacts.cluster import cluster_client, describe_cluster, load_address, load_each
from dumbcontacts.errors import DumbContactsError
from dumbcontacts.etl.detect import FORMATS
from dumbcontacts.etl.schema import CHANNELS
from dumbcontacts.settings import DEFAULT_WAREHOUSE_URL, Settings

if TYPE_CHECKING:
    from dumbcontacts.etl.load import LoadResult

__all__ = ["main"]


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--warehouse",
    metavar="URL",
    help="SQLAlchemy URL of the warehouse [env DUMBCONTACTS_WAREHOUSE; "
    f"default: {DEFAULT_WAREHOUSE_URL} in the working directory]",
)
@click.pass_context
def cli(ctx: click.Context, warehouse: str | None) -> None:
    """Find the broken processes behind customer contacts, and price them."""
    config = Settings.from_environ()
    if warehouse:
        config = replace(config, warehouse_url=warehouse)
    ctx.obj = config


@cli.command("sample-data")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--contacts", default=20_000, show_default=True, help="Contacts to generate.")
@click.option("--seed", default=7, show_default=True, help="Random seed; same seed, same files.")
@click.option(
    "--channels",
    default=",".join(CHANNELS),
    show_default=True,
    help="Comma-separated channels to generate (e.g. phone, for a load test).",
)
@click.option(
    "--fix-defect",
    metavar="ID",
    help="A defect whose contact rate halves from --fix-date on (a fix to check).",
)
@click.option(
    "--fix-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day that fix ships, YYYY-MM-DD (default: the Monday five eighths into the data).",
)
def sample_data(
    directory: Path, contacts: int, seed: int, channels: str, fix_defect, fix_date
) -> None:
    """Write realistic raw exports for all four channels, volumes, taxonomy and ground truth."""
    from tqdm import tqdm

    from dumbcontacts.samples.generate import SAMPLE_START, SAMPLE_WEEKS, write_sample_data
    from dumbcontacts.samples.plan import FixEvent, fix_day

    if contacts < 1:
        raise click.BadParameter("must be at least 1", param_hint="--contacts")
    chosen = [c.strip() for c in channels.split(",") if c.strip()]
    if not chosen or set(chosen) - set(CHANNELS):
        raise click.BadParameter(f"choose from {', '.join(CHANNELS)}", param_hint="--channels")
    if fix_date is not None and fix_defect is None:
        raise click.BadParameter("needs --fix-defect", param_hint="--fix-date")
    fix = None
    if fix_defect is not None:
        day = fix_date.date() if fix_date else fix_day(SAMPLE_START, SAMPLE_WEEKS)
        fix = FixEvent(fix_defect, day)
    with tqdm(total=contacts, unit="contact", desc="generating", disable=None) as bar:
        summary = write_sample_data(
            directory, contacts=contacts, seed=seed, progress=bar.update, channels=chosen, fix=fix
        )
    click.echo(f"wrote {contacts:,} contacts to {directory}/")
    for channel, count in summary.contacts_per_channel.items():
        click.echo(f"  {channel:<7} {count:>10,}")
    if fix is not None:
        click.echo(f"{fix.defect_id}: contacts per order halve from {fix.date}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--channel", type=click.Choice(CHANNELS), help="Override the detected channel.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Override the detected format.")
@click.option(
    "--mapping",
    metavar="FILE|NAME",
    help="TOML file naming your CSV's columns, or a shipped template's name "
    "(`dumbcontacts mappings` lists them; see README, 'Your own CSV export').",
)
@click.option(
    "--keep-transcripts",
    is_flag=True,
    help="Also store each contact's whole conversation, redacted (default: the reason only, "
    "or [load] keep_transcripts in the config file).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the detected format, the field mapping, the first rows as they would be "
    "stored and what would be rejected; write nothing.",
)
@click.pass_obj
def load(config: Settings, paths, channel, fmt, mapping, keep_transcripts, dry_run) -> None:
    """Load raw files (or folders) into the warehouse. Safe to re-run: nothing loads twice."""
    if dry_run:
        from dumbcontacts.cli.preview import print_dry_run
        from dumbcontacts.etl.load import plan_sources
        from dumbcontacts.etl.templates import open_mapping

        mapping_name, mapping = open_mapping(mapping) if mapping else (None, None)
        print_dry_run(
            plan_sources(paths, channel=channel, fmt=fmt, mapping=mapping),
            mapping=mapping,
            mapping_name=mapping_name,
            salt=config.salt,
            detected=channel is None and fmt is None,
        )
        return
    failed = run_load(
        config,
        paths,
        channel=channel,
        fmt=fmt,
        mapping=mapping,
        keep_transcripts=keep_transcripts or config.keep_transcripts,
    )
    if failed:
        sys.exit(1)


def run_load(
    config: Settings, paths, *, channel=None, fmt=None, mapping=None, keep_transcripts=False
) -> int:
    """Load and print a summary; return the number of sources that failed.

    ``mapping`` is a mapping file's path or a shipped template's name.
    """
    # The loaders (and pandas, pyarrow, the PII rules) are imported by the commands that load
    # only: ``rank`` and the other readers start without them.
    from tqdm import tqdm

    from dumbcontacts.etl.load import count_contacts, plan_sources
    from dumbcontacts.etl.templates import open_mapping

    mapping = open_mapping(mapping)[1] if mapping else None
    sources = plan_sources(paths, channel=channel, fmt=fmt, mapping=mapping)
    warehouse = create_configured_warehouse(config)
    options = {
        "mapping": mapping,
        "salt": config.salt,
        "keep_transcripts": keep_transcripts,
        "window": config.time_window(),
        "order_ref_pattern": config.order_ref_pattern,
        "brand_names": config.brand_names,
    }
    results: list[LoadResult] = []
    failures: list[str] = []
    total = sum(_size(s.path) for s in sources)
    with (
        tqdm(total=total, unit="B", unit_scale=True, desc="loading", disable=None) as bar,
        cluster_client(load_address(config, warehouse)) as client,
    ):
        if client is not None:
            click.echo(describe_cluster(client))
        for source, outcome in load_each(client, warehouse, config, sources, options):
            bar.set_postfix_str(source.path.name)
            if isinstance(outcome, DumbContactsError):  # the rest still load; exit 1 at the end
                failures.append(str(outcome))
            else:
                results.append(outcome)
            bar.update(_size(source.path))
    position = {str(source.path): i for i, source in enumerate(sources)}
    results.sort(key=lambda r: position[r.source])  # the cluster answers as files finish
    _print_load_summary(results)
    totals = count_contacts(warehouse)
    per_channel = ", ".join(f"{channel} {n:,}" for channel, n in totals.items())
    click.echo(f"warehouse now holds {sum(totals.values()):,} contacts ({per_channel or 'none'})")
    for failure in failures:
        click.echo(f"error: {failure}", err=True)
    return len(failures)


def _print_load_summary(results: list[LoadResult]) -> None:
    for r in results:
        if r.status == "loaded":
            detail = (
                f"{r.rows_loaded:,} new{_without_reason(r.rows_without_reason)}, "
                f"{r.rows_duplicate:,} duplicate, {r.rows_rejected:,} rejected (load {r.load_id})"
            )
        else:
            detail = r.note or "0 new rows"
        click.echo(f"{r.status:<15} {r.source}: {detail}")
    per_channel: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in results:
        if r.channel and r.status == "loaded":
            totals = per_channel[r.channel]
            totals[0] += r.rows_loaded
            totals[1] += r.rows_without_reason
            totals[2] += r.rows_duplicate
            totals[3] += r.rows_rejected
    if per_channel:
        click.echo(
            f"\n{'channel':<8} {'loaded':>10} {'no reason':>10} {'duplicate':>10} {'rejected':>10}"
        )
        for channel, (new, none, dup, rej) in sorted(per_channel.items()):
            click.echo(f"{channel:<8} {new:>10,} {none:>10,} {dup:>10,} {rej:>10,}")


def _without_reason(count: int) -> str:
    return f" ({count:,} without a reason)" if count else ""


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


@cli.command()
@click.option(
    "--dir", "directory", default="demo", show_default=True, type=click.Path(path_type=Path)
)
@click.option("--contacts", default=5_000, show_default=True)
@click.option("--serve/--no-serve", default=True, help="Serve the dashboard at the end.")
@click.option("--port", default=PORT, show_default=True, type=click.IntRange(0, 65535))
@click.pass_context
def demo(ctx: click.Context, directory: Path, contacts: int, serve: bool, port: int) -> None:
    """Generate sample data, load it, find its defects and open the dashboard, in one command."""
    ctx.invoke(
        sample_data, directory=directory, contacts=contacts, seed=7, channels=",".join(CHANNELS)
    )
    if run_load(ctx.obj, [directory]):
        sys.exit(1)
    click.echo("")
    ctx.invoke(analyze)
    click.echo("")
    if serve:
        serve_dashboard(ctx.obj, port=port)
    else:
        click.echo("run `dumbcontacts dashboard` to see the ranking in a browser")


cli.add_command(analyze)
cli.add_command(evaluate)
cli.add_command(dashboard)
cli.add_command(rank)
cli.add_command(report)
cli.add_command(run_command)
cli.add_command(defects)
cli.add_command(mappings)
cli.add_command(unload)
cli.add_command(topics)
cli.add_command(changes)
cli.add_command(undo)


def main() -> None:
    cli(prog_name="dumbcontacts")
