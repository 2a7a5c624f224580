"""Topics triage: topics that map to no defect yet, and assigning one to a defect.

A save writes the overrides file (``Settings.overrides``) and remaps the topic in the warehouse
at once (``overrides.assign_topic``), so the ranking counts its contacts right away and
every later ``analyze`` keeps the assignment.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, dcc, html

from dumbcontacts.analysis.topics.overrides import assign_topic, unmapped_topics
from dumbcontacts.dashboard.reads import read_daily
from dumbcontacts.dashboard.source import current_source
from dumbcontacts.dashboard.tables import format_value
from dumbcontacts.errors import DumbContactsError

dash.register_page(__name__, path="/topics", title="dumbcontacts: topics triage", name="Topics")


def layout(**_query):
    source = current_source()
    topics = source.fetch("unmapped-topics", unmapped_topics, 3)
    catalogue = read_daily(source).catalogue.filter(
        read_daily(source).catalogue["defect_id"] != "unmapped"
    )
    options = [
        {"label": f"{row['name']} ({row['owner']})", "value": row["defect_id"]}
        for row in catalogue.sort("name").to_dicts()
    ]
    intro = html.P(
        f"{len(topics)} topics map to no defect yet. Assign one to a defect to count its contacts "
        f"there; the assignment is saved to {source.overrides} and kept by every later analyze.",
        className="text-muted",
    )
    cards = [topic_card(row, options) for row in topics.to_dict("records")]
    if not cards:
        cards = [dbc.Alert("Every topic maps to a defect: nothing to triage.", color="success")]
    return html.Div([html.H2("Topics triage", className="h4"), intro, *cards], id="topics-list")


def topic_card(topic: dict, options: list[dict]) -> dbc.Card:
    """One unmapped topic: size, keywords, examples (as literal text), and the assign form."""
    key = topic["topic_key"]
    examples = [html.Li(str(text), className="topic-example") for text in topic["examples"]]
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.Strong(f"{key} · {topic['label']}"),
                        html.Span(
                            f"{format_value(topic['size'], 'int')} contacts",
                            className="ms-auto text-muted",
                        ),
                    ],
                    className="d-flex",
                ),
                html.Div(f"Keywords: {topic['keywords']}", className="small text-muted mb-1"),
                html.Ul(examples, className="small mb-2"),
                html.Div(
                    [
                        dcc.Dropdown(
                            id={"type": "topics-defect", "key": key},
                            options=options,
                            placeholder="Assign to defect…",
                            style={"minWidth": "22rem"},
                        ),
                        dbc.Button(
                            "Save",
                            id={"type": "topics-assign", "key": key},
                            color="primary",
                            size="sm",
                        ),  # fmt: skip
                        html.Div(id={"type": "topics-status", "key": key}, className="small"),
                    ],
                    className="d-flex gap-2 align-items-center",
                ),
            ]
        ),
        className="mb-2",
        id=f"topics-card-{key}",
    )


@callback(
    Output({"type": "topics-status", "key": MATCH}, "children"),
    Input({"type": "topics-assign", "key": MATCH}, "n_clicks"),
    State({"type": "topics-defect", "key": MATCH}, "value"),
    State({"type": "topics-assign", "key": MATCH}, "id"),
    prevent_initial_call=True,
)
def save_assignment(_clicks, defect_id, button):
    if not defect_id:
        return html.Span("Choose a defect first.", className="text-warning")
    source = current_source()
    try:
        assign_topic(source.warehouse, source.overrides, button["key"], defect_id)
    except DumbContactsError as error:  # a broken overrides file, a busy warehouse
        return html.Span(f"Not saved: {error}", className="text-danger")
    source.invalidate()
    return html.Span(
        [f"Saved: {button['key']} → {defect_id}. ", dcc.Link("See the ranking", href="/")],
        className="text-success topics-saved",
    )
