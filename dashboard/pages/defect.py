"""Defect page: its weekly trend by channel, owner and action, keywords, verbatims, repeats and
whether a fix worked."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

from dumbcontacts.analysis.report.charts import fix_figure, trend_figure
from dumbcontacts.analysis.topics.mapping import defect_topics
from dumbcontacts.dashboard.cards import defect_figures, fix_verdict, verbatim_list
from dumbcontacts.dashboard.filters import Filters, day_of, filter_bar, filters_from_controls
from dumbcontacts.dashboard.reads import (
    read_daily,
    read_filter_options,
    read_fix,
    read_ranking,
    read_trend,
    read_verbatims,
    resolve_filters,
)
from dumbcontacts.dashboard.source import current_source

dash.register_page(
    __name__, path_template="/defect/<defect_id>", title="dumbcontacts: defect", name="Defect"
)

FIX_WINDOWS = (14, 28, 56)  # days compared before and after a fix date


def layout(defect_id=None, since=None, until=None, channel=None, category=None, owner=None,
           **_other):  # fmt: skip
    source = current_source()
    catalogue = read_daily(source).catalogue
    # The browser's path is percent-encoded as defect_href wrote it ("a%2Fb" for "a/b").
    defect_id = unquote(defect_id or "")
    known = catalogue.filter(catalogue["defect_id"] == defect_id).to_dicts()
    if not known:
        return dbc.Alert(
            ["No defect with this id. ", dcc.Link("Back to the overview", href="/")],
            color="warning",
        )
    defect = known[0]
    filters = Filters.from_query(
        {"since": since, "until": until, "channel": channel, "category": category, "owner": owner},
        source.window(),
    )
    topics = source.fetch("defect-topics", defect_topics, defect["defect_id"])
    keywords = sorted({k.strip() for text in topics["keywords"] for k in text.split(",")} - {""})
    last = filters.until - dt.timedelta(days=1) if filters.until else read_daily(source).last_day
    return html.Div(
        [
            dcc.Location(id="defect-url", refresh=False),
            dcc.Store(id="defect-id", data=defect["defect_id"]),
            dcc.Store(id="defect-keep", data={"category": category, "owner": owner}),
            dcc.Link("← All defects", href="/" + filters.to_search(), id="defect-back"),
            html.H2(defect["name"], className="h4 mt-2", id="defect-name"),
            html.P(
                [
                    dbc.Badge(
                        defect["action"],
                        color=_ACTION_COLORS.get(defect["action"]),
                        className="me-2",
                        id="defect-action",
                    ),  # fmt: skip
                    html.Span(f"Owner: {defect['owner']}", id="defect-owner", className="me-3"),
                    html.Span(f"Category: {defect['category']}", className="text-muted"),
                ]
            ),
            filter_bar("defect", filters, read_filter_options(source), lists=("channel",)),
            html.Div(id="defect-summary"),
            dbc.Row(
                [
                    dbc.Col(dcc.Graph(id="defect-contacts-trend"), lg=6),
                    dbc.Col(dcc.Graph(id="defect-cpx-trend"), lg=6),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H3("What customers say", className="h6"),
                            html.Div(
                                [
                                    dbc.Badge(k, color="light", text_color="dark", className="me-1")
                                    for k in keywords[:30]
                                ],
                                id="defect-keywords",
                                className="mb-3",
                            ),  # fmt: skip
                            html.Div(id="defect-verbatim-box"),
                        ],
                        lg=6,
                    ),
                    dbc.Col(_fix_panel(last, source.driver), lg=6),
                ]
            ),
        ]
    )


_ACTION_COLORS = {"eliminate": "danger", "simplify": "warning", "automate": "info",
                  "leverage": "success", "triage": "secondary"}  # fmt: skip


def _fix_panel(last_day: dt.date | None, driver: str) -> dbc.Card:
    default = (last_day or dt.date.today()) - dt.timedelta(days=28)
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3("Did a fix work?", className="h6"),
                html.Div(
                    [
                        dcc.DatePickerSingle(
                            id="defect-fix-date",
                            date=default.isoformat(),
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                        ),  # fmt: skip
                        dcc.Dropdown(
                            id="defect-fix-days",
                            options=[
                                {"label": f"{d} days each side", "value": d} for d in FIX_WINDOWS
                            ],  # fmt: skip
                            value=28,
                            clearable=False,
                            style={"minWidth": "12rem"},
                        ),  # fmt: skip
                    ],
                    className="d-flex gap-2 mb-2",
                ),
                html.Div(id="defect-fix-verdict"),
                dcc.Graph(id="defect-fix-figure"),
                html.P(
                    f"A change is detectable when its 95% interval leaves out no change (an exact "
                    f"test on contacts per 1,000 {driver}, or per day without {driver} volumes). "
                    "A smaller change may be real, but these counts cannot tell it from chance.",
                    className="small text-muted mb-0",
                ),
            ]
        )
    )


_CONTROLS = (
    Input("defect-dates", "start_date"),
    Input("defect-dates", "end_date"),
    Input("defect-channel", "value"),
    State("defect-id", "data"),
    State("defect-keep", "data"),
)


def _chosen(source, start_date, end_date, channel, keep) -> tuple[Filters, Filters]:
    """The filters the controls show, and this defect's resolved ones (whatever its owner)."""
    default = resolve_filters(source, Filters())
    keep = keep or {}
    chosen = filters_from_controls(
        start_date, end_date, channel, keep.get("category"), keep.get("owner"),
        (default.since, default.until), source.window(),
    )  # fmt: skip
    shown = resolve_filters(source, chosen)
    return chosen, Filters(shown.since, shown.until, shown.channel)


@callback(
    Output("defect-summary", "children"),
    Output("defect-contacts-trend", "figure"),
    Output("defect-cpx-trend", "figure"),
    Output("defect-url", "search"),
    *_CONTROLS,
)
def update_defect(start_date, end_date, channel, defect_id, keep):
    source = current_source()
    chosen, own = _chosen(source, start_date, end_date, channel, keep)
    ranking = read_ranking(source, own)
    rows = ranking[ranking["defect_id"] == defect_id].to_dict("records")
    trend = read_trend(source, defect_id, own)
    url = chosen.to_search() if ctx.triggered_id is not None else dash.no_update
    return (
        defect_figures(rows[0] if rows else None, source.driver),
        trend_figure(trend, "contacts", title="Contacts per week, by channel"),
        trend_figure(trend, "cpx", title=f"Contacts per 1,000 {source.driver} per week"),
        url,
    )


@callback(Output("defect-verbatim-box", "children"), *_CONTROLS)
def show_verbatims(start_date, end_date, channel, defect_id, keep):
    """The sample verbatims, in their own callback: the figures need not wait for them."""
    source = current_source()
    _, own = _chosen(source, start_date, end_date, channel, keep)
    return verbatim_list(read_verbatims(source, defect_id, own))


@callback(
    Output("defect-fix-figure", "figure"),
    Output("defect-fix-verdict", "children"),
    Input("defect-fix-date", "date"),
    Input("defect-fix-days", "value"),
    State("defect-id", "data"),
    State("defect-channel", "value"),
)
def check_fix(fix_date, days, defect_id, channel):
    source = current_source()
    day = day_of(fix_date, source.window())
    if day is None:
        return dash.no_update, "Pick the date the fix went live."
    fix = read_fix(source, defect_id, day, int(days or 28), tuple(sorted(channel or ())))
    return fix_figure(fix, source.driver), fix_verdict(fix, source.driver)
