"""``rank``: the defect ranking as a table, CSV or JSON."""

from __future__ import annotations

import json
import math

import click
import polars as pl

from dumbcontacts.analysis.economics.ranking import RANK_ORDERS, rank_defects, rank_with_headline
from dumbcontacts.analysis.report.csv_cells import ranking_csv
from dumbcontacts.cli.edges import open_configured_warehouse, read_day
from dumbcontacts.etl.schema import CHANNELS
from dumbcontacts.settings import Settings

__all__ = ["format_table", "rank"]


@click.command()
@click.option("--since", metavar="DATE", help="First day (YYYY-MM-DD); default: the first contact.")
@click.option(
    "--until",
    metavar="DATE",
    help="Day after the last (exclusive); default: after the last contact.",
)
@click.option(
    "--channel", multiple=True, type=click.Choice(CHANNELS), help="Only this channel (repeatable)."
)
@click.option("--category", multiple=True, help="Only this defect category (repeatable).")
@click.option("--owner", multiple=True, help="Only this owning department (repeatable).")
@click.option("--order", type=click.Choice(RANK_ORDERS), default="cost", show_default=True)
@click.option("--top", type=int, help="Show only the first N defects.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
    show_default=True,
)  # fmt: skip
@click.pass_obj
def rank(config: Settings, since, until, channel, category, owner, order, top, fmt) -> None:
    """Rank defects by cost (or volume, CPX, change) for a period and filters."""
    window = config.time_window()
    since = read_day(since, "--since", window)
    until = read_day(until, "--until", window, exclusive_end=True)
    warehouse = open_configured_warehouse(config)
    options = dict(
        since=since, until=until, channel=channel or None, category=category or None,
        owner=owner or None, costs=config.costs, driver=config.cpx_driver,
        repeat_days=config.repeat_window_days, as_polars=True,
    )  # fmt: skip
    if fmt == "table":
        ranked, headline = rank_with_headline(warehouse, order=order, **options)
    else:
        ranked = rank_defects(warehouse, order=order, **options)
    if top is not None:
        ranked = ranked.head(top)
    if fmt == "json":
        click.echo(json.dumps([_clean(row) for row in ranked.to_dicts()], indent=1))
    elif fmt == "csv":
        click.echo(ranking_csv(ranked), nl=False)
    else:
        click.echo(format_table(ranked, headline))


def format_table(ranked: pl.DataFrame, headline: pl.DataFrame) -> str:
    """The ranking for a terminal, under one line of headline figures."""
    figures = dict(headline.select("metric", "value").iter_rows())
    cpx = figures["cpx"]
    lines = [
        f"{figures['contacts']:,.0f} contacts · ${figures['cost_usd']:,.0f} · "
        f"dumb contacts {_percent(figures['dumb_share'])} · "
        f"CPX {'-' if cpx is None else f'{cpx:.1f}'} · repeats {_percent(figures['repeat_rate'])}",
        "",
        f"{'#':>3} {'defect':<36} {'owner':<20} {'action':<9} {'contacts':>8} "
        f"{'cost $':>10} {'CPX':>6} {'repeat':>6} {'change':>7}",
    ]
    for row in ranked.iter_rows(named=True):
        lines.append(
            f"{row['rank']:>3} {row['name'][:36]:<36} {row['owner'][:20]:<20} "
            f"{row['action']:<9} {row['contacts']:>8,} {row['cost_usd']:>10,.0f} "
            f"{_number(row['cpx'], '6.2f')} {_percent(row['repeat_rate']):>6} "
            f"{_signed(row['change_pct']):>7}"
        )
    return "\n".join(lines)


def _clean(row: dict) -> dict:
    """JSON has no NaN: unknown figures become null."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}%"


def _number(value: float | None, spec: str) -> str:
    return f"{'-':>6}" if value is None else format(value, spec)
