"""The charts of every view (dashboard, weekly report, notebook): frames in, plotly figures out.

Pure, so they are unit-tested. Each takes a pandas or a polars frame as the metric functions
return it; a frame with nothing to draw gives a blank figure that says so.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl

from dumbcontacts.analysis.economics.rate_ratio import FALL, RISE
from dumbcontacts.settings import CPX_DRIVER

__all__ = ["empty_figure", "figure_html", "fix_figure", "pareto_figure", "trend_figure"]

_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=60, r=60, t=40, b=40),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    font=dict(family="system-ui, sans-serif", size=12),
    height=380,
)
# Below the dates, where however many rows it wraps to it covers neither title nor lines.
_LEGEND_BELOW = dict(orientation="h", yanchor="top", y=-0.25, x=0)
_TOOLBAR_PX = 30  # the height of plotly's toolbar
_BAR, _LINE = "#c0392b", "#2c3e50"
_BEFORE, _NEUTRAL = "#7f8c8d", "#5d6d7e"
_VERDICT_COLORS = {FALL: "#27ae60", RISE: "#c0392b"}
CHANNEL_COLORS = {"phone": "#1f77b4", "email": "#ff7f0e", "chat": "#2ca02c", "social": "#9467bd"}
_PALETTE = ("#3b6ea8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30638e")


def empty_figure(message: str) -> go.Figure:
    """A blank figure that says why it is blank."""
    figure = go.Figure(layout=_LAYOUT)
    figure.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def pareto_figure(ranking: Any, *, top: int = 20, title: str | None = None) -> go.Figure:
    """Cost per defect as bars, costliest first, and the cumulative share of all cost as a
    line. ``ranking`` has defect_id, name and cost_usd (``rank_defects`` output); beyond the
    ``top`` costliest the rest are one "N other defects" bar, so the line ends at 100 %."""
    rows = _polars(ranking)
    total = float(rows["cost_usd"].sum()) if rows.height else 0.0
    if total <= 0:
        return empty_figure("No contacts in this period")
    rows = rows.with_row_index("order").sort(["cost_usd", "order"], descending=[True, False])
    names = [_short(n or d) for n, d in zip(rows["name"], rows["defect_id"], strict=True)]
    costs = rows["cost_usd"].to_list()
    if len(names) > top:
        names = names[:top] + [f"{len(names) - top} other defects"]
        costs = costs[:top] + [sum(costs[top:])]
    cumulative = [share / total for share in pl.Series(costs).cum_sum()]
    figure = go.Figure(layout=_LAYOUT)
    figure.add_bar(
        x=names, y=costs, name="Cost (USD)", marker_color=_BAR,
        hovertemplate="%{x}<br>$%{y:,.0f}<extra></extra>",
    )  # fmt: skip
    figure.add_scatter(
        x=names, y=cumulative, name="Cumulative share of cost", yaxis="y2",
        mode="lines+markers", line_color=_LINE,
        hovertemplate="%{x}<br>%{y:.0%} of cost<extra></extra>",
    )  # fmt: skip
    figure.update_layout(
        **_titled(title),
        yaxis=dict(title="Cost (USD)", tickprefix="$", separatethousands=True),
        yaxis2=dict(
            overlaying="y",
            side="right",
            range=[0, 1.05],
            tickformat=".0%",
            tickvals=[0, 0.25, 0.5, 0.75, 1],
            showgrid=False,
        ),  # fmt: skip
        xaxis=dict(tickangle=-30, automargin=True),
        bargap=0.3,
    )
    return figure


def trend_figure(
    trend: Any, metric: str = "contacts", *, by: str = "channel", title: str | None = None
) -> go.Figure:
    """One line of ``metric`` over ``period_start`` per value of the ``by`` column (channel,
    name, ...) in the order they first appear, or one line when the frame has no such column.
    Channels keep their colours across charts."""
    rows = _polars(trend)
    if rows.is_empty() or rows[metric].is_null().all():
        return empty_figure("No data in this period")
    figure = go.Figure(layout=_LAYOUT)
    lines = rows[by].unique(maintain_order=True).to_list() if by in rows.columns else [None]
    for index, line in enumerate(lines):
        points = (rows if line is None else rows.filter(pl.col(by) == line)).sort("period_start")
        name = "all" if line is None else str(line)
        figure.add_scatter(
            x=points["period_start"].to_list(), y=points[metric].to_list(), name=_short(name),
            mode="lines+markers",
            line_color=CHANNEL_COLORS.get(name, _PALETTE[index % len(_PALETTE)]),
        )  # fmt: skip
    starts = rows["period_start"].unique().sort().to_list()
    # A tick on each bucket's first day (weeks start on Monday) while they fit.
    ticks = dict(tickvals=starts, tickformat="%d %b") if len(starts) <= 16 else {}
    figure.update_layout(
        **_titled(title, top=60),
        yaxis=dict(rangemode="tozero"),
        xaxis=ticks,
        legend=_LEGEND_BELOW,
    )
    return figure


def fix_figure(fix: Any, driver: str = CPX_DRIVER) -> go.Figure:
    """The tested rate before and after a fix date, from ``verify_fix`` rows (period,
    contacts, per, rate, verdict): contacts per 1,000 ``driver``, or per day without driver
    units. Only a detectable fall is green, a detectable rise red; anything else is noise."""
    rows = _polars(fix)
    if rows.is_empty() or rows["contacts"].sum() == 0:
        return empty_figure("No contacts around this date")
    verdict = rows.filter(pl.col("period") == "after")["verdict"].drop_nulls().to_list()
    after = _VERDICT_COLORS.get(verdict[0] if verdict else None, _NEUTRAL)
    unit = f"1,000 {driver}" if rows["per"][0] == "driver" else "day"
    figure = go.Figure(layout={**_LAYOUT, "height": 260})
    figure.add_bar(
        x=rows["period"].to_list(), y=rows["rate"].fill_null(0).to_list(),
        text=[f"{n:,} contacts" for n in rows["contacts"]],
        marker_color=[after if p == "after" else _BEFORE for p in rows["period"]],
        hovertemplate=f"%{{x}}: %{{y:.2f}} per {unit}<extra></extra>",
    )  # fmt: skip
    figure.update_layout(yaxis_title=f"Contacts per {unit}", showlegend=False)
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


def _polars(frame: Any) -> pl.DataFrame:
    """A polars frame from either kind the metric functions return."""
    return frame if isinstance(frame, pl.DataFrame) else pl.from_pandas(frame)


def _titled(text: str | None, top: int = 80) -> dict:
    """Layout for a title at the top left, below the plot's toolbar (which shows on hover at
    the top right and would cover a title on a narrow chart); ``top`` is the margin above the
    plot, room for the title and a legend above the plot. Nothing without a title."""
    if not text:
        return {}
    title = dict(text=text, x=0, xref="paper", y=1, yref="container", yanchor="top",
                 pad_t=_TOOLBAR_PX, font_size=14)  # fmt: skip
    return dict(title=title, margin_t=top)


def _short(name: str, width: int = 38) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
