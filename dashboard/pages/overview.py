"""Overview: headline figures, the Pareto of defects by cost, the ranked table, what is emerging."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from dumbcontacts.analysis.report.charts import pareto_figure
from dumbcontacts.analysis.report.csv_cells import ranking_csv
from dumbcontacts.dashboard.cards import emerging_callout, headline_cards
from dumbcontacts.dashboard.filters import Filters, filter_bar, filters_from_controls
from dumbcontacts.dashboard.reads import (
    read_emerging,
    read_filter_options,
    read_headline,
    read_ranking,
    resolve_filters,
)
from dumbcontacts.dashboard.source import current_source
from dumbcontacts.dashboard.tables import next_sort, ranking_table

dash.register_page(__name__, path="/", title="dumbcontacts: overview", name="Overview")

_CONTROLS = [
    Input("overview-dates", "start_date"),
    Input("overview-dates", "end_date"),
    Input("overview-channel", "value"),
    Input("overview-category", "value"),
    Input("overview-owner", "value"),
]


def layout(since=None, until=None, channel=None, category=None, owner=None, **_other):
    source = current_source()
    filters = Filters.from_query(
        {"since": since, "until": until, "channel": channel, "category": category, "owner": owner},
        source.window(),
    )
    return html.Div(
        [
            dcc.Location(id="overview-url", refresh=False),
            dcc.Store(id="overview-sort", data={"column": "rank", "descending": False}),
            html.H2("Which broken processes cost the most", className="h4 mb-3"),
            filter_bar("overview", filters, read_filter_options(source)),
            html.Div(id="overview-headline"),
            html.Div(id="overview-emerging"),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H3("Defects by cost (Pareto)", className="h6"),
                        dcc.Graph(id="overview-pareto", config={"displaylogo": False}),
                    ]
                ),
                className="mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(
                            [
                                html.H3("Ranked defects", className="h6 mb-0 me-auto"),
                                dbc.Button(
                                    "Export CSV",
                                    id="overview-export",
                                    size="sm",
                                    color="secondary",
                                    outline=True,
                                ),  # fmt: skip
                                dcc.Download(id="overview-download"),
                            ],
                            className="d-flex align-items-center mb-2",
                        ),
                        html.Div(id="overview-table"),
                    ]
                )
            ),
        ]
    )


@callback(
    Output("overview-headline", "children"),
    Output("overview-emerging", "children"),
    Output("overview-pareto", "figure"),
    Output("overview-table", "children"),
    Output("overview-url", "search"),
    *_CONTROLS,
    Input("overview-sort", "data"),
)
def update_overview(start_date, end_date, channel, category, owner, sort):
    source = current_source()
    chosen, shown = _filters(source, start_date, end_date, channel, category, owner)
    ranking = read_ranking(source, shown)
    search = chosen.to_search()
    # The URL follows the controls once the user touches them (not on the first render).
    url = search if ctx.triggered_id not in (None, "overview-sort") else dash.no_update
    return (
        headline_cards(read_headline(source, shown), source.driver),
        emerging_callout(read_emerging(source, shown), search),
        pareto_figure(ranking),
        ranking_table(ranking, sort, search),
        url,
    )


@callback(
    Output("overview-sort", "data"),
    Input({"type": "overview-sort", "column": ALL}, "n_clicks"),
    State("overview-sort", "data"),
    prevent_initial_call=True,
)
def sort_table(clicks, current):
    if not ctx.triggered_id or not any(clicks):
        return dash.no_update
    return next_sort(current, ctx.triggered_id["column"])


@callback(
    Output("overview-download", "data"),
    Input("overview-export", "n_clicks"),
    *(State(c.component_id, c.component_property) for c in _CONTROLS),
    prevent_initial_call=True,
)
def export_ranking(_clicks, start_date, end_date, channel, category, owner):
    source = current_source()
    _, shown = _filters(source, start_date, end_date, channel, category, owner)
    ranking = read_ranking(source, shown)
    name = f"defects_{shown.since.isoformat()}_{shown.until.isoformat()}.csv"
    content = ranking_csv(pl.from_pandas(ranking))
    return {"content": content, "filename": name, "type": "text/csv"}


def _filters(source, start_date, end_date, channel, category, owner) -> tuple[Filters, Filters]:
    """The filters as the controls chose them, and as shown (the period resolved)."""
    default = resolve_filters(source, Filters())
    chosen = filters_from_controls(
        start_date, end_date, channel, category, owner, (default.since, default.until),
        source.window(),
    )  # fmt: skip
    return chosen, resolve_filters(source, chosen)
