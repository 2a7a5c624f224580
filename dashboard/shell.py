"""What every page sits in: the navigation bar and the page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

__all__ = ["NAVIGATION", "shell_layout"]

# (label, path) of the pages in the navigation bar; a defect page is reached from the ranking.
NAVIGATION = (("Overview", "/"), ("Topics triage", "/topics"), ("Data health", "/health"))


def shell_layout() -> html.Div:
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("dumbcontacts", href="/"),
                dbc.Nav(
                    [dbc.NavLink(label, href=path, active="exact") for label, path in NAVIGATION],
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )
    return html.Div([navbar, dbc.Container(dash.page_container, fluid=True, className="pb-5")])
