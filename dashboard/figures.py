"""Pure figure functions: small DataFrames in, plotly figures out (unit-tested)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["empty_figure", "fix_figure", "pareto_figure", "trend_figure"]

_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=50, r=50, t=40, b=40),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    height=360,
)
CHANNEL_COLORS = {"phone": "#1f77b4", "email": "#ff7f0e", "chat": "#2ca02c", "social": "#9467bd"}


def empty_figure(message: str) -> go.Figure:
    """A blank figure that says why it is blank."""
    figure = go.Figure(layout=_LAYOUT)
    figure.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def pareto_figure(ranking: pd.DataFrame, *, top: int = 20) -> go.Figure:
    """Cost per defect (bars, costliest first) and the cumulative share of cost (line).

    ``ranking`` has name, cost_usd and cumulative_cost_share, ordered by cost; only the
    ``top`` costliest are drawn, but the cumulative share is of the whole period's cost.
    """
    if ranking.empty or ranking["cost_usd"].sum() <= 0:
        return empty_figure("No contacts in this period")
    shown = ranking.sort_values("cost_usd", ascending=False, kind="stable").head(top)
    cumulative = shown["cost_usd"].cumsum() / ranking["cost_usd"].sum()
    figure = go.Figure(layout=_LAYOUT)
    figure.add_bar(
        x=shown["name"], y=shown["cost_usd"], name="Cost (USD)", marker_color="#c0392b",
        hovertemplate="%{x}<br>$%{y:,.0f}<extra></extra>",
    )  # fmt: skip
    figure.add_scatter(
        x=shown["name"], y=cumulative, name="Cumulative share of cost", yaxis="y2",
        mode="lines+markers", line_color="#2c3e50",
        hovertemplate="%{x}<br>%{y:.0%} of cost<extra></extra>",
    )  # fmt: skip
    figure.update_layout(
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


def trend_figure(trend: pd.DataFrame, metric: str, title: str) -> go.Figure:
    """One line per channel (or one line) of ``metric`` over ``period_start``."""
    if trend.empty or trend[metric].isna().all():
        return empty_figure("No data in this period")
    figure = go.Figure(layout=_LAYOUT)
    groups = trend.groupby("channel", sort=True) if "channel" in trend else [("all", trend)]
    for channel, rows in groups:
        rows = rows.sort_values("period_start")
        figure.add_scatter(
            x=rows["period_start"], y=rows[metric], name=str(channel), mode="lines+markers",
            line_color=CHANNEL_COLORS.get(str(channel)),
        )  # fmt: skip
    figure.update_layout(title=dict(text=title, x=0, font_size=14), yaxis=dict(rangemode="tozero"))
    return figure


def fix_figure(fix: pd.DataFrame) -> go.Figure:
    """CPX before and after a fix date, from ``verify_fix`` rows (period, cpx, contacts)."""
    if fix.empty or fix["contacts"].sum() == 0:
        return empty_figure("No contacts around this date")
    colors = {"before": "#7f8c8d", "after": "#27ae60"}
    figure = go.Figure(layout={**_LAYOUT, "height": 260})
    figure.add_bar(
        x=fix["period"], y=fix["cpx"].fillna(0), text=fix["contacts"].map("{:,} contacts".format),
        marker_color=[colors.get(p, "#34495e") for p in fix["period"]],
        hovertemplate="%{x}: %{y:.2f} per 1,000<extra></extra>",
    )  # fmt: skip
    figure.update_layout(yaxis_title="Contacts per 1,000 orders", showlegend=False)
    return figure
