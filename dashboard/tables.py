"""Pure table builders: DataFrames in, Bootstrap tables out (unit-tested).

Every cell is passed to Dash as a string or component, never as HTML, so text from the
warehouse (defect names, file names, reject reasons) is always shown as literal text.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

__all__ = [
    "RANKING_COLUMNS",
    "defect_href",
    "format_value",
    "frame_table",
    "next_sort",
    "ranking_table",
    "sort_ranking",
]

# (column, header, kind) of the ranked table, in order.
RANKING_COLUMNS = (
    ("rank", "#", "int"),
    ("name", "Defect", "text"),
    ("owner", "Owner", "text"),
    ("category", "Category", "text"),
    ("action", "Action", "text"),
    ("contacts", "Contacts", "int"),
    ("cost_usd", "Cost", "money"),
    ("cpx", "CPX", "number"),
    ("repeat_rate", "Repeat rate", "ratio"),
    ("change_pct", "Change", "change"),
)
_NUMERIC = {"int", "money", "number", "ratio", "change", "seconds"}
UNMAPPED = "unmapped"


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_value(value, kind: str) -> str:
    """A cell as shown: ``int`` 1,234; ``money`` $1,234; ``number`` 12.35; ``ratio`` 12.3%;
    ``change`` (a per cent) +12%; ``seconds`` 5m 03s; ``datetime`` 2026-11-23 09:15 UTC;
    anything else as text; missing is "–"."""
    if _missing(value):
        return "–"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "money":
        return f"${value:,.0f}"
    if kind == "number":
        return f"{value:,.2f}"
    if kind == "ratio":
        return f"{value:.1%}"
    if kind == "change":
        return f"{value:+,.0f}%"
    if kind == "datetime":
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")
    if kind == "seconds":
        minutes, seconds = divmod(int(round(value)), 60)
        return f"{minutes}m {seconds:02d}s"
    return str(value)


def defect_href(defect_id: str, search: str = "") -> str:
    """Where a defect's row leads: its page, or the triage page for unmapped contacts."""
    if defect_id == UNMAPPED:
        return "/topics"
    return f"/defect/{quote(defect_id, safe='')}{search}"


def sort_ranking(ranking: pd.DataFrame, column: str, descending: bool) -> pd.DataFrame:
    """The ranking sorted by one column; missing values always last, ties by rank."""
    if column not in ranking.columns:
        return ranking
    keys = [column, "rank"] if "rank" in ranking.columns and column != "rank" else [column]
    ascending = [not descending] + [True] * (len(keys) - 1)
    return ranking.sort_values(keys, ascending=ascending, na_position="last", kind="stable")


def next_sort(current: dict | None, clicked: str) -> dict:
    """Clicking a header sorts by it, biggest first; clicking it again flips the order."""
    if current and current.get("column") == clicked:
        return {"column": clicked, "descending": not current.get("descending", True)}
    return {"column": clicked, "descending": clicked not in ("rank", "name", "owner", "category")}


def ranking_table(ranking: pd.DataFrame, sort: dict | None = None, search: str = "") -> dbc.Table:
    """The ranked defects with sortable headers (ids ``{"type": "overview-sort", ...}``);
    each defect's name links to its page, keeping the view's filters (``search``)."""
    sort = sort or {"column": "rank", "descending": False}
    rows = sort_ranking(ranking, sort["column"], sort["descending"])
    header = []
    for column, label, kind in RANKING_COLUMNS:
        arrow = (" ▼" if sort["descending"] else " ▲") if column == sort["column"] else ""
        button = html.Button(
            label + arrow,
            id={"type": "overview-sort", "column": column},
            className="btn btn-link btn-sm p-0 text-decoration-none fw-semibold",
        )
        header.append(html.Th(button, className="text-end" if kind in _NUMERIC else None))
    body = [_ranking_row(row, search) for row in rows.to_dict("records")]
    return dbc.Table(
        [html.Thead(html.Tr(header)), html.Tbody(body)],
        id="overview-ranking",
        hover=True,
        size="sm",
        responsive=True,
        className="align-middle",
    )


def _ranking_row(row: dict, search: str) -> html.Tr:
    cells = []
    for column, _, kind in RANKING_COLUMNS:
        value = row.get(column)
        if column == "name":
            link = dcc.Link(
                format_value(value, kind),
                href=defect_href(row["defect_id"], search),
                className="defect-link",
            )
            cells.append(html.Td(link, **{"data-defect": row["defect_id"]}))
        elif column == "change_pct" and not _missing(value):
            tone = "text-danger" if value > 0 else "text-success" if value < 0 else None
            cells.append(html.Td(format_value(value, kind), className=f"text-end {tone or ''}"))
        else:
            align = "text-end" if kind in _NUMERIC else None
            cells.append(html.Td(format_value(value, kind), className=align))
    return html.Tr(cells)


def frame_table(frame: pd.DataFrame, columns: list[tuple[str, str, str]], **options) -> dbc.Table:
    """Any frame as a plain table of ``(column, header, kind)`` columns."""
    header = html.Thead(
        html.Tr(
            [
                html.Th(label, className="text-end" if kind in _NUMERIC else None)
                for _, label, kind in columns
            ]
        )  # fmt: skip
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(
                        format_value(row.get(column), kind),
                        className="text-end" if kind in _NUMERIC else None,
                    )
                    for column, _, kind in columns
                ]
            )
            for row in frame.to_dict("records")
        ]
    )
    return dbc.Table([header, body], size="sm", hover=True, responsive=True, **options)
