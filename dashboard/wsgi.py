"""The WSGI entry point for production servers: ``gunicorn 'dumbcontacts.dashboard.wsgi:server'``.

Configuration is read once, here, from the environment and the config file (README,
"Configuration"), as the command line does.
"""

from dumbcontacts.dashboard.app import create_app

__all__ = ["app", "server"]

app = create_app()
server = app.server
