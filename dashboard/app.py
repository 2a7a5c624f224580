"""The dashboard: a multi-page Dash app over one warehouse (pages in ``dashboard/pages``).

``create_app(config)`` builds it; ``dashboard.wsgi:server`` is the WSGI entry for gunicorn.
"""

from __future__ import annotations

from pathlib import Path

from dash import Dash

from dumbcontacts.dashboard.auth import require_basic_auth
from dumbcontacts.dashboard.reads import warm_up
from dumbcontacts.dashboard.shell import shell_layout
from dumbcontacts.dashboard.source import DataSource, attach_source
from dumbcontacts.settings import Settings

__all__ = ["create_app"]

_HERE = Path(__file__).parent


def create_app(config: Settings | None = None, *, source: DataSource | None = None) -> Dash:
    """A dashboard serving ``source`` (default: the configured warehouse)."""
    config = config or Settings.from_environ()
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(_HERE / "pages"),
        assets_folder=str(_HERE / "assets"),
        title="dumbcontacts",
        suppress_callback_exceptions=True,  # page components exist only on their page
    )
    app.layout = shell_layout
    source = source or DataSource.from_config(config)
    attach_source(app.server, source)
    warm_up(source)
    # Dash collects the pages' callbacks in a process-wide list on import and hands them to
    # whichever app serves a request first, in a before-request hook. Run this app's hooks now
    # (Flask's preprocess_request, before authentication joins them), so its pages' callbacks
    # are its own even when a process makes several apps (the tests do).
    with app.server.test_request_context():
        app.server.preprocess_request()
    require_basic_auth(app.server, config.dashboard_username, config.dashboard_password)
    return app
