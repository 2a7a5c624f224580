"""Render a week's report data as HTML pages: the report itself and one page per owner.

Pure: ``ReportData`` in, text out. Every value is HTML-escaped by the template engine
(autoescape), so a verbatim or a defect name cannot inject markup; only the chart blocks,
which plotly writes from data it JSON-encodes itself, go in as markup. plotly.js is inlined
once, with the first chart; the page needs no network to open or to draw.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from dumbcontacts.analysis.economics.scope import UNMAPPED
from dumbcontacts.analysis.economics.spikes import MIN_EXCESS, THRESHOLD
from dumbcontacts.analysis.report.charts import figure_html, pareto_figure, trend_figure
from dumbcontacts.analysis.report.data import ReportData

__all__ = ["OwnerSection", "owner_sections", "render_owner_page", "render_report"]

_HEADLINE = {
    "contacts": ("Contacts", "integer"),
    "cost_usd": ("Cost of contacts", "money"),
    "dumb_share": ("Dumb contacts (to eliminate)", "pct"),
    "cpx": ("Contacts per 1,000 {driver}", "decimal"),
    "repeat_rate": ("Repeat contacts", "pct"),
}


@dataclass(frozen=True)
class OwnerSection:
    name: str
    slug: str  # file name of the owner's page, unique within a report
    rows: list[dict[str, Any]]  # ranking rows of the owner's defects
    emerging: list[dict[str, Any]]
    contacts: int
    cost: float
    cost_share: float


def render_report(data: ReportData) -> str:
    ranking = data.ranking.sort("rank")
    top = ranking.filter(pl.col("defect_id") != UNMAPPED).head(data.settings.top_defects)
    pareto = (
        pareto_figure(ranking, title="Where the week's contact cost goes")
        if ranking.height
        else None
    )
    trend = (
        trend_figure(data.trend, by="name", title="Contacts per week, costliest defects")
        if data.trend.height
        else None
    )
    charts, inlined = {}, False
    for key, figure in (("pareto", pareto), ("trend", trend)):
        if figure is None:
            charts[key] = Markup('<p class="muted">No contacts this week.</p>')
            continue
        charts[key] = Markup(figure_html(figure, f"report-{key}", include_plotlyjs=not inlined))
        inlined = True
    model = data.model
    assigned = model.get("contacts_assigned") or 0
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            data=data,
            headline=_headline(data),
            charts=charts,
            pareto_note=_pareto_note(ranking),
            top=top.to_dicts(),
            emerging=data.emerging.to_dicts(),
            unmapped=data.unmapped.to_dicts(),
            owners=owner_sections(data),
            loads=data.loads.to_dicts(),
            rejects=data.rejects.to_dicts(),
            assigned_share=assigned / model["contacts"] if model.get("contacts") else None,
            flag_rule={"z_score": THRESHOLD, "excess": MIN_EXCESS},
        )
    )


def render_owner_page(data: ReportData, owner: OwnerSection) -> str:
    return _environment().get_template("owner.html.j2").render(data=data, owner=owner)


def owner_sections(data: ReportData) -> list[OwnerSection]:
    """One section per owning department with contacts this week, the costliest first."""
    ranking = data.ranking.filter(pl.col("defect_id") != UNMAPPED).sort("rank")
    total_cost = float(data.ranking["cost_usd"].sum() or 0.0)
    sections, used = [], set()
    for owner in data.owners:
        rows = ranking.filter(pl.col("owner") == owner)
        slug = _unique(_slug(owner), used)
        emerging = data.emerging.filter(pl.col("owner") == owner)
        cost = float(rows["cost_usd"].sum())
        sections.append(
            OwnerSection(
                name=owner,
                slug=slug,
                rows=rows.to_dicts(),
                emerging=emerging.to_dicts(),
                contacts=int(rows["contacts"].sum()),
                cost=cost,
                cost_share=cost / total_cost if total_cost else 0.0,
            )
        )
    return sections


def _headline(data: ReportData) -> list[dict[str, Any]]:
    formats = _filters()
    rows = []
    for row in data.headline.to_dicts():
        label, kind = _HEADLINE.get(row["metric"], (row["metric"], "decimal"))
        rows.append(
            row
            | {
                "label": label.format(driver=data.settings.driver),
                "value_text": formats[kind](row["value"]),
                "previous_text": formats[kind](row["previous"]),
            }
        )
    return rows


def _pareto_note(ranking: pl.DataFrame) -> str:
    if not ranking.height:
        return "No contacts this week."
    reach = ranking.filter(pl.col("cumulative_cost_share") >= 0.8 - 1e-9)
    defects = int(reach["rank"].min()) if reach.height else ranking.height
    return (
        f"{defects} of {ranking.height} defects cause 80 % of this week's contact cost "
        f"({_money(float(ranking['cost_usd'].sum()))} in all)."
    )


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "owner"


def _unique(slug: str, used: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in used:
        candidate, number = f"{slug}-{number}", number + 1
    used.add(candidate)
    return candidate


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _integer(value: Any) -> str:
    return "—" if _missing(value) else f"{int(round(value)):,}"


def _money(value: Any) -> str:
    return "—" if _missing(value) else f"${value:,.0f}"


def _pct(value: Any) -> str:
    return "—" if _missing(value) else f"{value * 100:.1f} %"


def _signed_pct(value: Any) -> str:
    return "—" if _missing(value) else f"{value:+.0f} %"


def _decimal(value: Any) -> str:
    return "—" if _missing(value) else f"{value:,.1f}"


def _day(value: Any) -> str:
    return "—" if value is None else value.strftime("%a %d %b %Y")


def _day_before(value: dt.date) -> str:
    return _day(value - dt.timedelta(days=1))


def _minute(value: Any) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _filters() -> dict:
    return {
        "integer": _integer,
        "money": _money,
        "pct": _pct,
        "signed_pct": _signed_pct,
        "decimal": _decimal,
        "day": _day,
        "day_before": _day_before,
        "minute": _minute,
    }


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("dumbcontacts.analysis.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters.update(_filters())
    return environment
