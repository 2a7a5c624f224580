"""``dashboard``: serve the dashboard for local use (production: gunicorn, see README)."""

from __future__ import annotations

import socket

import click

from dumbcontacts.cli.edges import open_configured_warehouse
from dumbcontacts.errors import InputError
from dumbcontacts.settings import Settings

__all__ = ["HOST", "PORT", "dashboard", "serve_dashboard"]

HOST, PORT = "127.0.0.1", 8050  # local use; dashboard and demo alike


@click.command()
@click.option("--host", default=HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=PORT, show_default=True, type=click.IntRange(0, 65535))
@click.pass_obj
def dashboard(config: Settings, host: str, port: int) -> None:
    """Serve the dashboard: ranked defects, defect pages, topics triage, data health."""
    serve_dashboard(config, host, port)


def serve_dashboard(config: Settings, host: str = HOST, port: int = PORT) -> None:
    """Serve until interrupted, on a threaded WSGI server (one process: DuckDB-friendly)."""
    # Imported here: Dash and its pages load in a second, and only this command needs them.
    from werkzeug.serving import make_server

    from dumbcontacts.dashboard.app import create_app
    from dumbcontacts.dashboard.source import DataSource

    source = DataSource.from_config(config, open_configured_warehouse(config))
    app = create_app(config, source=source)
    try:  # bound here, so a taken port is one line (werkzeug would print and exit itself)
        listener = socket.create_server((host, port))
    except OSError as error:
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    server = make_server(host, port, app.server, threaded=True, fd=listener.fileno())
    click.echo(f"dashboard on http://{server.host}:{server.port}/  (Ctrl+C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()
        listener.close()
