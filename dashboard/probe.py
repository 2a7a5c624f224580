"""Call a running dashboard's callbacks over HTTP, as the browser does, and time them.

Used by ``benchmarks/dashboard.py`` and the tests: ``DashProbe.over_http(url)`` against a
server, or ``DashProbe(client.post, client.get)`` around a Flask test client.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CallResult", "DashProbe"]


@dataclass(frozen=True)
class CallResult:
    status: int
    seconds: float
    body: Any  # the decoded JSON answer (None when there was none)
    size: int  # bytes of the answer

    @property
    def ok(self) -> bool:
        return self.status in (200, 204)


class DashProbe:
    """``post(path, payload) -> (status, bytes)`` and ``get(path) -> (status, bytes)``."""

    def __init__(self, post: Callable, get: Callable) -> None:
        self._post, self._get = post, get
        status, body = get("/_dash-dependencies")
        if status != 200:
            raise RuntimeError(f"dashboard answered {status} for its callback list")
        self.dependencies = json.loads(body)

    @classmethod
    def over_http(cls, base_url: str, *, auth: tuple[str, str] | None = None, timeout=120.0):
        headers = {"Content-Type": "application/json"}
        if auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"

        def send(path: str, payload: dict | None = None) -> tuple[int, bytes]:
            data = None if payload is None else json.dumps(payload).encode()
            request = urllib.request.Request(base_url.rstrip("/") + path, data, headers)
            try:
                with urllib.request.urlopen(request, timeout=timeout) as answer:
                    return answer.status, answer.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()

        return cls(send, lambda path: send(path))

    @classmethod
    def over_flask(cls, client):
        def post(path: str, payload: dict) -> tuple[int, bytes]:
            answer = client.post(path, json=payload)
            return answer.status_code, answer.data

        def get(path: str) -> tuple[int, bytes]:
            answer = client.get(path)
            return answer.status_code, answer.data

        return cls(post, get)

    def page(self, path: str) -> tuple[int, float]:
        """GET a page (the HTML shell), with its time."""
        start = time.perf_counter()
        status, _ = self._get(path)
        return status, time.perf_counter() - start

    def call(
        self,
        output: str,
        inputs: Mapping[str, Any],
        state: Mapping[str, Any] | None = None,
        triggered: list[str] | None = None,
    ) -> CallResult:
        """Run the callback whose output spec contains ``output``; ``inputs`` and ``state``
        map ``"component-id.property"`` to values (missing ones are sent as None)."""
        spec = next(d for d in self.dependencies if output in d["output"])
        state = state or {}

        def values(items: list[dict], given: Mapping[str, Any]) -> list[dict]:
            return [
                {"id": i["id"], "property": i["property"],
                 "value": given.get(f"{i['id']}.{i['property']}")}
                for i in items
            ]  # fmt: skip

        payload = {
            "output": spec["output"],
            "outputs": _outputs(spec["output"]),
            "inputs": values(spec["inputs"], inputs),
            "state": values(spec.get("state", []), state),
            "changedPropIds": triggered or [],
        }
        start = time.perf_counter()
        status, body = self._post("/_dash-update-component", payload)
        seconds = time.perf_counter() - start
        decoded = json.loads(body) if body and status == 200 else None
        return CallResult(status, seconds, decoded, len(body or b""))

    def render(self, pathname: str, search: str = "") -> CallResult:
        """The pages router's callback: the layout of ``pathname`` with ``search``."""
        return self.call(
            "_pages_content",
            {"_pages_location.pathname": pathname, "_pages_location.search": search},
            triggered=["_pages_location.pathname"],
        )


def _outputs(spec: str) -> list[dict] | dict:
    """Dash's output spec ("..a.b...c.d.." or "a.b") as the ``outputs`` list it expects."""
    if spec.startswith(".."):
        parts = [p for p in spec.strip(".").split("...") if p]
        return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    component, prop = spec.rsplit(".", 1)
    return {"id": component, "property": prop}
