"""The report's figures, from frames to plotly figures: pure, so they are unit-tested."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

__all__ = ["figure_html", "pareto_figure", "trend_figure"]

_BAR = "#3b6ea8"
_LINE = "#d1495b"
_PALETTE = ("#3b6ea8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30638e")


def pareto_figure(ranking: pl.DataFrame, *, limit: int = 20) -> go.Figure:
    """Cost per defect as bars, costliest first, and the cumulative share of cost as a line.

    ``ranking`` is ``rank_defects`` output sorted by cost; beyond ``limit`` defects the rest
    are one "other" bar so the chart stays readable, and the line still ends at 100 %.
    """
    rows = ranking.sort("rank")
    names = [_short(n or d) for n, d in zip(rows["name"], rows["defect_id"], strict=True)]
    costs = rows["cost_usd"].to_list()
    cumulative = [share * 100 for share in rows["cumulative_cost_share"].to_list()]
    if len(names) > limit:
        names = names[:limit] + [f"{len(names) - limit} other defects"]
        costs = costs[:limit] + [sum(costs[limit:])]
        cumulative = cumulative[:limit] + [cumulative[-1]]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(x=names, y=costs, name="cost (USD)", marker_color=_BAR, hovertemplate="%{y:$,.0f}")
    )
    figure.add_trace(
        go.Scatter(
            x=names,
            y=cumulative,
            name="cumulative share of cost",
            yaxis="y2",
            mode="lines+markers",
            line={"color": _LINE},
            hovertemplate="%{y:.0f}%",
        )
    )
    figure.update_layout(
        _layout("Where the week's contact cost goes"),
        yaxis={"title": "cost (USD)", "tickprefix": "$", "separatethousands": True},
        yaxis2={
            "title": "cumulative share",
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "tickvals": [0, 20, 40, 60, 80, 100],
            "ticktext": ["0%", "20%", "40%", "60%", "80%", "100%"],
            "showgrid": False,
        },
        xaxis={"tickangle": -35},
    )
    return figure


def trend_figure(trend: pl.DataFrame) -> go.Figure:
    """Weekly contacts of a few defects: ``trend`` has period_start, name, contacts."""
    figure = go.Figure()
    for index, name in enumerate(trend["name"].unique(maintain_order=True).to_list()):
        rows = trend.filter(pl.col("name") == name).sort("period_start")
        figure.add_trace(
            go.Scatter(
                x=[d.isoformat() for d in rows["period_start"]],
                y=rows["contacts"].to_list(),
                name=_short(name),
                mode="lines+markers",
                line={"color": _PALETTE[index % len(_PALETTE)]},
            )
        )
    figure.update_layout(
        _layout("Contacts per week, costliest defects"),
        yaxis={"title": "contacts", "rangemode": "tozero"},
        xaxis={"title": "week starting", "type": "category"},
    )
    return figure


def figure_html(figure: go.Figure, div_id: str, *, include_plotlyjs: bool) -> str:
    """A ``<div>`` with the figure and its script; plotly.js itself only when asked, so a
    page inlines it once. The fixed ``div_id`` keeps the output the same on every run."""
    return figure.to_html(
        full_html=False,
        include_plotlyjs=include_plotlyjs,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
        default_width="100%",
        default_height="440px",
    )


def _layout(title: str) -> dict:
    return {
        "title": {"text": title},
        "template": "plotly_white",
        "margin": {"l": 70, "r": 70, "t": 60, "b": 140},
        "legend": {"orientation": "h", "y": 1.12, "x": 0},
        "font": {"family": "system-ui, sans-serif", "size": 12},
    }


def _short(name: str, width: int = 38) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
