"""Data health: what was loaded and rejected, which model answers, and when data last came."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dumbcontacts.analysis.economics.health import load_history, model_status, reject_reasons
from dumbcontacts.dashboard.cards import status_cards
from dumbcontacts.dashboard.source import current_source
from dumbcontacts.dashboard.tables import frame_table

dash.register_page(__name__, path="/health", title="dumbcontacts: data health", name="Health")

LOAD_COLUMNS = [
    ("finished_at", "Finished", "datetime"),
    ("source", "File", "text"),
    ("channel", "Channel", "text"),
    ("format", "Format", "text"),
    ("status", "Status", "text"),
    ("rows_read", "Read", "int"),
    ("rows_loaded", "Loaded", "int"),
    ("rows_without_reason", "Without a reason", "int"),
    ("rows_duplicate", "Duplicate", "int"),
    ("rows_rejected", "Rejected", "int"),
]
REJECT_COLUMNS = [
    ("source", "File", "text"),
    ("reason", "Reason", "text"),
    ("rejects", "Records", "int"),
    ("example", "Example (redacted)", "text"),
]


def layout(**_query):
    source = current_source()
    status = source.fetch("model-status", model_status)
    loads = source.fetch("load-history", load_history)
    rejects = source.fetch("reject-reasons", reject_reasons)
    return html.Div(
        [
            html.H2("Data health", className="h4"),
            *(
                dbc.Alert(warning, color="warning", id="health-warning")
                for warning in status.get("warnings", [])
            ),
            status_cards(status),
            html.H3("Loads, newest first", className="h6 mt-3"),
            frame_table(loads.head(200), LOAD_COLUMNS, id="health-loads")
            if not loads.empty
            else dbc.Alert("Nothing loaded yet: run `dumbcontacts load`.", color="light"),
            html.H3("Rejected records, by reason", className="h6 mt-3"),
            frame_table(rejects.head(200), REJECT_COLUMNS, id="health-rejects")
            if not rejects.empty
            else html.P("No record was rejected.", className="text-muted"),
        ]
    )
