"""The WSGI entry point for production servers: ``gunicorn 'dashboard.wsgi:server'``.

Configuration is read once, here, from the environment and the config file (README,
"Configuration"), as the command line does.
"""

from dashboard.app import create_app

__all__ = ["app", "server"]

app = create_app()
server = app.server
