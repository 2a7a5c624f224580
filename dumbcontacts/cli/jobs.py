"""``run`` and ``report``: the scheduled job and the weekly defect report."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from dumbcontacts.cli.analysis import load_embedder
from dumbcontacts.cli.edges import open_configured_warehouse
from dumbcontacts.errors import EmptyWeek, InputError
from dumbcontacts.settings import Settings

__all__ = ["report", "run"]


@click.command()
@click.pass_obj
def run(config: Settings) -> None:
    """The scheduled job: load new inbox files, analyse them, write last week's report.

    Idempotent and safe to start from cron at any interval. Exit codes: 0 done (or nothing
    to do), 1 a step failed (the warehouse stays consistent; the next run retries), 2 the
    configuration cannot work, 75 another run is in progress.
    """
    from dumbcontacts.job import run_job  # the loaders: only for the job, not every command

    summary = run_job(config, load_embedder, log=_echo)
    sys.exit(summary.code)


@click.command()
@click.option(
    "--week", metavar="YYYY-Www", help="ISO week [default: the last complete week with contacts]"
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the week's report folder goes in [default: run.report_dir, 'reports']",
)
@click.option("--pdf", is_flag=True, help="Also print report.pdf with headless Chromium.")
@click.pass_obj
def report(config: Settings, week: str | None, out_dir: Path | None, pdf: bool) -> None:
    """Write the weekly defect report: HTML with charts, the ranking as CSV, a page per owner."""
    from dumbcontacts.analysis.economics.iso_week import week_bounds
    from dumbcontacts.analysis.report.files import write_report
    from dumbcontacts.job import report_settings

    if week is not None:  # a typo or an absurd week fails before the warehouse is opened
        try:
            monday, _ = week_bounds(week)
        except InputError as error:
            raise InputError(f"--week: {error}") from None
        window = config.time_window()
        if not window.holds_day(monday):
            raise InputError(f"--week {week}: outside {window.describe()}")
    warehouse = open_configured_warehouse(config)
    if week is None:
        week = _latest_week(warehouse)
        click.echo(f"week {week}: the last complete week with contacts (--week chooses another)")
    out_dir = out_dir or config.report_dir
    written = write_report(warehouse, week, out_dir, report_settings(config), pdf=pdf)
    click.echo(f"report {week} written to {written.folder}/")
    for path in written.files:
        click.echo(f"  {path.relative_to(written.folder)}")


def _latest_week(warehouse) -> str:
    """The last complete ISO week with contacts: last week, unless the data ends earlier."""
    from dumbcontacts.analysis.economics.iso_week import last_complete_week, week_bounds
    from dumbcontacts.analysis.report.data import latest_week_with_contacts

    this_monday = week_bounds(last_complete_week(dt.datetime.now(dt.UTC).date()))[1]
    week = latest_week_with_contacts(warehouse, this_monday)
    if week is None:
        raise EmptyWeek(f"no contacts before {this_monday}; nothing to report")
    return week


def _echo(line: str, error: bool = False) -> None:
    click.echo(line, err=error)
