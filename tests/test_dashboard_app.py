"""The dashboard app over HTTP (no browser): every page and callback answers, filters change
the figures, the export is spreadsheet-safe, basic authentication, the WSGI entry under
gunicorn, and the ``dashboard`` command."""

import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from dumbcontacts.cli import cli
from dumbcontacts.dashboard.app import create_app
from dumbcontacts.dashboard.auth import signed_in_user
from dumbcontacts.dashboard.probe import DashProbe
from dumbcontacts.dashboard.tables import defect_href
from dumbcontacts.errors import ConfigError
from dumbcontacts.settings import Settings
from tests.dashboard_fixtures import MARKUP_DEFECT, MARKUP_NAME, MARKUP_REASON, copy_warehouse

ROOT = Path(__file__).resolve().parents[1]
OVERVIEW_INPUTS = (
    "overview-dates.start_date",
    "overview-dates.end_date",
    "overview-channel.value",
    "overview-category.value",
    "overview-owner.value",
)


@pytest.fixture
def sample_url(sample_warehouse_file, tmp_path):
    return copy_warehouse(sample_warehouse_file, tmp_path / "w.duckdb")


@pytest.fixture
def probe(sample_url, tmp_path):
    app = create_app(
        Settings(
            warehouse_url=sample_url,
            overrides=tmp_path / "overrides.toml",
            taxonomy=tmp_path / "defects.toml",
        )
    )
    return DashProbe.over_flask(app.server.test_client())


def overview(probe, channel=None, since=None, end=None, triggered=None):
    values = dict(zip(OVERVIEW_INPUTS, (since, end, channel, None, None), strict=True))
    result = probe.call("overview-headline", values, triggered=triggered)
    assert result.status == 200
    return result.body["response"]


def ranked_contacts(response) -> dict[str, str]:
    """defect id -> the contacts cell, read from the rendered table's rows."""
    found = {}

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if node.get("type") == "Tr":
                cells = props["children"]
                defect = next((c["props"].get("data-defect") for c in cells
                               if c["props"].get("data-defect")), None)  # fmt: skip
                if defect:
                    found[defect] = cells[5]["props"]["children"]  # the contacts column
            walk(props.get("children"))

    walk(response["overview-table"]["children"])
    return found


@pytest.mark.parametrize(
    ("path", "search", "expected"),
    [
        ("/", "", "overview-table"),
        ("/", "?channel=chat&since=2026-09-01&until=2026-10-01", "overview-table"),
        ("/defect/shipping-damaged-item", "?channel=phone", "defect-verbatim-box"),
        (defect_href(MARKUP_DEFECT), "", "defect-verbatim-box"),  # /defect/probe%2Fmarkup%20%231
        ("/defect/no-such-defect", "", "No defect with this id"),
        ("/topics", "", "T9998"),
        ("/health", "", "health-loads"),
        ("/nowhere", "", "404"),
    ],
)
def test_every_page_renders(probe, path, search, expected):
    result = probe.render(path, search)
    assert result.status == 200
    assert expected in str(result.body)


def _props(node, component_id: str) -> dict | None:
    """The props of the component with this id in a rendered layout."""
    if isinstance(node, list):
        return next(filter(None, (_props(child, component_id) for child in node)), None)
    if isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == component_id:
            return props
        return _props(props.get("children", node.get("children")), component_id)
    return None


@pytest.mark.parametrize(
    ("since", "end", "kept"),
    [
        ("1000-01-01", None, ""),
        ("0001-01-01", "0001-01-02", ""),
        ("not a date", "2206-09-01", ""),
        ("2026-09-01", "9999-12-30", "?since=2026-09-01"),
    ],
)
def test_absurd_dates_are_dropped_never_an_error(probe, since, end, kept):
    """A date outside the plausibility window, in the URL or a control, is dropped like one
    that does not parse: the view keeps to the default period."""
    default = overview(probe)
    absurd = overview(probe, since=since, end=end, triggered=["overview-dates.start_date"])
    assert absurd["overview-url"]["search"] == kept
    if not kept:
        assert absurd["overview-headline"] == default["overview-headline"]
    search = f"?since={since}&until={end}" if end else f"?since={since}"
    for page, picker in (("/", "overview-dates"), (f"/defect/{MARKUP_DEFECT}", "defect-dates")):
        shown = _props(probe.render(page, search).body["response"]["_pages_content"], picker)
        default_shown = _props(probe.render(page, kept).body["response"]["_pages_content"], picker)
        assert (shown["start_date"], shown["end_date"]) == (
            default_shown["start_date"],
            default_shown["end_date"],
        )


@pytest.mark.parametrize("fix_date", ["0001-01-01", "9999-12-31", "1989-12-31", "someday"])
def test_an_absurd_fix_date_asks_for_a_date(probe, fix_date):
    fix = probe.call(
        "defect-fix-figure",
        {"defect-fix-date.date": fix_date, "defect-fix-days.value": 28},
        {"defect-id.data": "shipping-damaged-item", "defect-channel.value": None},
    )
    assert fix.status == 200
    assert fix.body["response"]["defect-fix-verdict"]["children"] == (
        "Pick the date the fix went live."
    )


def test_the_channel_filter_changes_the_ranking_and_the_url(probe):
    everything = overview(probe)
    chat = overview(probe, channel=["chat"], triggered=["overview-channel.value"])
    assert ranked_contacts(everything) != ranked_contacts(chat)
    assert everything["overview-headline"] != chat["overview-headline"]
    assert "overview-url" not in everything  # first render: the URL is left alone
    assert chat["overview-url"]["search"] == "?channel=chat"


def test_the_defect_page_callbacks_answer(probe):
    values = {"defect-dates.start_date": None, "defect-dates.end_date": None,
              "defect-channel.value": ["chat"]}  # fmt: skip
    state = {"defect-id.data": MARKUP_DEFECT, "defect-keep.data": {"owner": "@Security"}}
    result = probe.call("defect-summary", values, state, triggered=["defect-channel.value"])
    assert result.status == 200
    body = result.body["response"]
    assert body["defect-url"]["search"] == "?channel=chat&owner=%40Security"
    assert "'children': '1'" in str(body["defect-summary"])  # its one chat contact
    quotes = probe.call("defect-verbatim-box", values, state)
    assert MARKUP_REASON in str(quotes.body)  # sent as a string, not markup
    fix = probe.call(
        "defect-fix-figure",
        {"defect-fix-date.date": "2026-10-01", "defect-fix-days.value": 28},
        {"defect-id.data": "shipping-damaged-item", "defect-channel.value": None},
    )
    assert fix.status == 200 and "after this date" in str(fix.body)


def test_exported_csv_is_the_ranking_and_defuses_formulas(probe):
    values = dict.fromkeys(OVERVIEW_INPUTS)
    result = probe.call("overview-download", {"overview-export.n_clicks": 1}, values)
    download = result.body["response"]["overview-download"]["data"]
    assert download["filename"].startswith("defects_") and download["type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download["content"])))
    markup = next(r for r in rows if r["defect_id"] == MARKUP_DEFECT)
    assert markup["name"] == "'" + MARKUP_NAME and markup["owner"] == "'@Security"
    for row in rows:
        for column in ("defect_id", "name", "category", "owner", "action"):
            assert not row[column].startswith(("=", "+", "-", "@")), row
    table = ranked_contacts(overview(probe))
    assert {r["defect_id"]: f"{int(r['contacts']):,}" for r in rows} == table


def test_two_apps_in_one_process_each_answer_their_own_pages(sample_url, tmp_path):
    config = Settings(
        warehouse_url=sample_url,
        overrides=tmp_path / "overrides.toml",
        taxonomy=tmp_path / "defects.toml",
    )
    first, second = create_app(config), create_app(config)  # both before either serves
    tables = [
        ranked_contacts(overview(DashProbe.over_flask(app.server.test_client())))
        for app in (second, first)
    ]
    assert tables[0] == tables[1]
    assert "shipping-damaged-item" in tables[0]


def test_basic_authentication_guards_every_route(sample_url):
    config = Settings(
        warehouse_url=sample_url, dashboard_username="ana", dashboard_password="s3cret"
    )
    client = create_app(config).server.test_client()
    assert client.get("/").status_code == 401
    assert "Basic" in client.get("/").headers["WWW-Authenticate"]
    assert client.get("/_dash-layout").status_code == 401
    wrong = {"Authorization": "Basic " + _b64("ana:wrong")}
    assert client.get("/", headers=wrong).status_code == 401
    right = {"Authorization": "Basic " + _b64("ana:s3cret")}
    assert client.get("/", headers=right).status_code == 200
    assert client.get("/_dash-dependencies", headers=right).status_code == 200


def test_the_change_log_names_the_signed_in_user(sample_url):
    config = Settings(
        warehouse_url=sample_url, dashboard_username="ana", dashboard_password="s3cret"
    )
    server = create_app(config).server
    with server.test_request_context("/", headers={"Authorization": "Basic " + _b64("ana:s3cret")}):
        assert signed_in_user() == "ana"
    with server.test_request_context("/"):
        assert signed_in_user() is None  # no sign-in: the operating-system user is logged


def test_half_an_authentication_config_is_refused(sample_url):
    with pytest.raises(ConfigError, match="both a username and a password"):
        create_app(Settings(warehouse_url=sample_url, dashboard_username="ana"))


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"no answer from {url}")


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["gunicorn", "--workers", "1", "--threads", "4", "--bind"], id="gunicorn"),
        pytest.param(["dumbcontacts", "dashboard", "--host", "127.0.0.1", "--port"], id="cli"),
    ],
)
def test_served_over_http_the_overview_answers(sample_url, tmp_path, command):
    port = _free_port()
    binary = str(Path(sys.executable).parent / command[0])
    if command[0] == "gunicorn":
        args = [binary, *command[1:], f"127.0.0.1:{port}", "dumbcontacts.dashboard.wsgi:server"]
    else:
        args = [binary, *command[1:], str(port)]
    env = {**os.environ, "DUMBCONTACTS_WAREHOUSE": sample_url,
           "DUMBCONTACTS_OVERRIDES": str(tmp_path / "o.toml")}  # fmt: skip
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            args, cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/", process, log)
        probe = DashProbe.over_http(base)
        assert probe.render("/", "").status == 200
        assert "overview-table" in str(probe.render("/", "?channel=phone").body)
        assert overview(probe, channel=["phone"])["overview-table"]
    finally:
        process.terminate()
        process.wait(30)


def test_the_dashboard_command_fails_in_one_line_on_a_busy_port(sample_url, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["--warehouse", sample_url, "dashboard", "--port", str(port)],
        )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.startswith(f"error: cannot listen on 127.0.0.1:{port}")
