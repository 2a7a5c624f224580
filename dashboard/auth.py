"""Optional HTTP basic authentication for every route of the dashboard's server.

Set ``[dashboard] username`` and ``password`` in the config file (or the
``DUMBCONTACTS_DASHBOARD_USERNAME`` / ``_PASSWORD`` variables). Basic authentication sends the
password with every request: serve it over HTTPS (a reverse proxy) beyond localhost.
"""

from __future__ import annotations

import hmac

import flask

from dumbcontacts.errors import ConfigError

__all__ = ["is_authorized", "require_basic_auth", "signed_in_user"]

_REALM = 'Basic realm="dumbcontacts", charset="UTF-8"'


def is_authorized(authorization, username: str, password: str) -> bool:
    """Whether a request's ``Authorization`` (werkzeug's parsed header) has these credentials."""
    if authorization is None or authorization.type != "basic":
        return False
    given_user = (authorization.username or "").encode()
    given_password = (authorization.password or "").encode()
    # Compare both, always, in constant time: no early exit that times the username.
    user_ok = hmac.compare_digest(given_user, username.encode())
    password_ok = hmac.compare_digest(given_password, password.encode())
    return user_ok and password_ok


def require_basic_auth(server: flask.Flask, username: str | None, password: str | None) -> None:
    """Refuse every request without the credentials; with neither set, do nothing.

    Raises ConfigError if only one of the two is set: half a configuration is a mistake, and
    serving openly because of it would be worse.
    """
    if username is None and password is None:
        return
    if not username or not password:
        raise ConfigError("dashboard authentication needs both a username and a password")

    @server.before_request
    def check_credentials():
        if not is_authorized(flask.request.authorization, username, password):
            return flask.Response("authentication required\n", 401, {"WWW-Authenticate": _REALM})
        return None


def signed_in_user() -> str | None:
    """The user name the current request signed in with, if it did (for the change log)."""
    if not flask.has_request_context():
        return None
    authorization = flask.request.authorization
    return (authorization.username or None) if authorization is not None else None
