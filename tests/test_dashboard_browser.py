"""The dashboard in a real headless Chromium (Debian's chromium + chromedriver, installed by
scripts/services.sh): the overview, the channel filter, a defect page from the table, the
CSV export and a triage save; and every page after a load of absurd times. Screenshots of
each page go to test-artifacts/screenshots/."""

import csv
import io
import json
import logging
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dumbcontacts.cli import cli
from dumbcontacts.dashboard.app import create_app
from dumbcontacts.dashboard.tables import defect_href
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.warehouse import open_warehouse
from dumbcontacts.settings import Settings
from tests.absurd_times import ABSURD_REJECTS, write_absurd_files
from tests.browser import (
    NO_BROWSER,
    SCREENSHOTS,
    By,
    Keys,
    choose,
    click,
    open_overview,
    ranking,
    shoot,
    start_browser,
    wait,
)
from tests.dashboard_fixtures import (
    MARKUP_DEFECT,
    MARKUP_NAME,
    MARKUP_REASON,
    UNMAPPED_PROBE,
    UNMAPPED_PROBE_CONTACTS,
    copy_warehouse,
)

TRIAGE_TARGET = "shipping-damaged-item"

pytestmark = NO_BROWSER


@pytest.fixture(scope="module")
def site(sample_warehouse_file, tmp_path_factory):
    """The dashboard on a private copy of the sample warehouse, served on a free port."""
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("browser")
    url = copy_warehouse(sample_warehouse_file, folder / "w.duckdb")
    overrides = folder / "overrides.toml"
    app = create_app(
        Settings(warehouse_url=url, overrides=overrides, taxonomy=folder / "defects.toml")
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.port}", "overrides": overrides}
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    driver = start_browser(downloads)
    yield driver
    driver.quit()


def test_overview_opens_and_the_channel_filter_changes_the_ranking(browser, site):
    everything = open_overview(browser, site)  # how fast: benchmarks/dashboard.py
    assert MARKUP_DEFECT in everything and len(everything) > 10
    assert browser.find_element(By.ID, "overview-headline-contacts").text != ""
    shoot(browser, "overview")
    choose(browser, "overview-channel", "chat")
    wait(browser, lambda b: "channel=chat" in b.current_url)
    wait(browser, lambda b: ranking(b) and ranking(b) != everything)
    chat = ranking(browser)
    assert sum(chat.values()) < sum(everything.values())
    assert all(chat.get(k, 0) <= v for k, v in everything.items())
    shoot(browser, "overview-chat")
    # The URL is the view: opening it again shows the same ranking.
    assert open_overview(browser, site, "?channel=chat") == chat


def test_a_defect_page_opens_from_the_table(browser, site):
    open_overview(browser, site, "?channel=phone")
    # The first defect's row; the unmapped contacts' row (often the largest) leads to triage.
    link = browser.find_element(
        By.CSS_SELECTOR, "#overview-ranking td[data-defect]:not([data-defect='unmapped']) a"
    )
    name = link.text
    link.click()
    wait(browser, lambda b: b.find_elements(By.ID, "defect-name"))
    assert browser.find_element(By.ID, "defect-name").text == name
    assert "/defect/" in browser.current_url and "channel=phone" in browser.current_url
    wait(
        browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#defect-contacts-trend .scatterlayer")
    )
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#defect-verbatims .verbatim-text"))
    wait(browser, lambda b: "after this date" in b.find_element(By.ID, "defect-fix-verdict").text
         or "Not enough" in b.find_element(By.ID, "defect-fix-verdict").text)  # fmt: skip
    shoot(browser, "defect")


def test_markup_in_a_verbatim_is_shown_as_literal_text(browser, site):
    browser.get(site["base"] + defect_href(MARKUP_DEFECT))  # its id needs percent-encoding
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#defect-verbatims .verbatim-text"))
    [quote] = browser.find_elements(By.CSS_SELECTOR, "#defect-verbatims .verbatim-text")
    assert quote.text == MARKUP_REASON
    assert not quote.find_elements(By.CSS_SELECTOR, "script, b, i")
    assert browser.execute_script("return window.__probe_xss === undefined")
    assert browser.find_element(By.ID, "defect-name").text == MARKUP_NAME
    shoot(browser, "defect-markup")


def test_the_ranked_table_exports_as_spreadsheet_safe_csv(browser, site, downloads):
    shown = open_overview(browser, site, "?channel=email&channel=chat")
    for old in downloads.iterdir():
        old.unlink()
    browser.find_element(By.ID, "overview-export").click()
    files = wait(browser, lambda b: [p for p in downloads.glob("*.csv")])
    time.sleep(0.3)  # let the browser finish writing
    rows = list(csv.DictReader(io.StringIO(files[0].read_text())))
    assert {row["defect_id"]: int(row["contacts"]) for row in rows} == shown
    markup = next(row for row in rows if row["defect_id"] == MARKUP_DEFECT)
    assert markup["name"] == "'" + MARKUP_NAME and markup["owner"] == "'@Security"
    for row in rows:
        assert not any(
            row[c].startswith(("=", "+", "-", "@")) for c in ("name", "owner", "category")
        )
    shutil.copyfile(files[0], SCREENSHOTS.parent / "export.csv")


def test_saving_a_triage_assignment_changes_the_ranking(browser, site):
    before = open_overview(browser, site)
    browser.get(site["base"] + "/topics")
    card = wait(browser, lambda b: b.find_elements(By.ID, f"topics-card-{UNMAPPED_PROBE}"))[0]
    # The card's dropdowns render after the card itself; with many topics to triage, later.
    dropdowns = wait(browser, lambda b: card.find_elements(By.CSS_SELECTOR, "button.dash-dropdown"))
    shoot(browser, "topics")
    click(browser, dropdowns[0])
    search = browser.switch_to.active_element
    search.send_keys("Item arrived damaged")
    wait(browser, lambda b: [o for o in b.find_elements(By.CSS_SELECTOR, "[role=option]")
                             if o.text.startswith("Item arrived damaged")])[0].click()  # fmt: skip
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    click(browser, card.find_element(By.XPATH, ".//button[normalize-space()='Save']"))
    saved = wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".topics-saved"))[0]
    assert f"topic {UNMAPPED_PROBE} mapped to {TRIAGE_TARGET}" in saved.text
    shoot(browser, "topics-saved")
    assert f'key = "{UNMAPPED_PROBE}"' in site["overrides"].read_text()
    after = open_overview(browser, site)
    assert after[TRIAGE_TARGET] == before[TRIAGE_TARGET] + UNMAPPED_PROBE_CONTACTS
    assert after.get("unmapped", 0) == before.get("unmapped", 0) - UNMAPPED_PROBE_CONTACTS
    browser.get(site["base"] + "/topics")
    wait(browser, lambda b: b.find_elements(By.ID, "topics-list"))
    assert not browser.find_elements(By.ID, f"topics-card-{UNMAPPED_PROBE}")


def test_the_data_health_page_shows_loads_and_the_model(browser, site):
    browser.get(site["base"] + "/health")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#health-loads tbody tr"))
    files = browser.find_element(By.ID, "health-loads").text
    assert "calls.csv" in files and "chats.jsonl" in files
    assert "v1" in browser.find_element(By.ID, "health-status").text
    shoot(browser, "health")


@pytest.fixture(scope="module")
def absurd_site(sample_warehouse_file, tmp_path_factory):
    """The sample warehouse after a load of exports full of absurd times (year 0, 2206,
    9999), served as ``site`` is; and its URL, for the command line."""
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("absurd")
    url = copy_warehouse(sample_warehouse_file, folder / "w.duckdb")
    results = list(load_paths(open_warehouse(url), write_absurd_files(folder / "files")))
    assert sum(r.rows_rejected for r in results) == len(ABSURD_REJECTS)
    app = create_app(
        Settings(
            warehouse_url=url,
            overrides=folder / "overrides.toml",
            taxonomy=folder / "defects.toml",
        )
    )
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.port}", "url": url, "folder": folder}
    server.shutdown()
    thread.join(10)


def test_after_absurd_times_rank_report_and_every_page_work(browser, absurd_site):
    env = {"DUMBCONTACTS_WAREHOUSE": absurd_site["url"], "DUMBCONTACTS_CONFIG": ""}
    runner = CliRunner()
    ranked = runner.invoke(cli, ["rank", "--format", "json"], env=env)
    assert ranked.exit_code == 0, ranked.output
    assert sum(row["contacts"] for row in json.loads(ranked.output)) > 0
    out = absurd_site["folder"] / "reports"
    report = runner.invoke(cli, ["report", "--week", "2026-W47", "--out", str(out)], env=env)
    assert report.exit_code == 0, report.output
    assert (out / "2026-W47" / "report.html").exists()

    base = absurd_site["base"]
    browser.get_log("browser")  # start with an empty log
    # The default view stays on the data's last weeks, and absurd URL dates are dropped.
    for search in ("", "?since=1000-01-01", "?since=0001-01-01&until=9999-12-31"):
        browser.get(f"{base}/{search}")
        wait(
            browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#overview-ranking td[data-defect]")
        )
        wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#overview-pareto .bars"))
        period = [browser.find_element(By.CSS_SELECTOR, f"input.dash-datepicker-{end}-date")
                  .get_attribute("value") for end in ("start", "end")]  # fmt: skip
        assert period == ["2026-10-26", "2026-11-22"]
    shoot(browser, "absurd-overview")
    browser.get(f"{base}/defect/shipping-damaged-item?since=0001-01-01&until=9999-12-31")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#defect-verbatims .verbatim-text"))
    wait(
        browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#defect-contacts-trend .scatterlayer")
    )
    browser.get(f"{base}/topics")
    wait(browser, lambda b: b.find_elements(By.ID, "topics-list"))
    browser.get(f"{base}/health")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#health-rejects tbody tr"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#health-rejects tbody tr")
    reasons = {row.find_elements(By.TAG_NAME, "td")[1].text for row in rows}
    # One line per rule, never per value: the values are only in the redacted examples.
    assert {re.sub(r"to \d{4}-\d\d-\d\d$", "to …", r) for r in reasons} == {
        "started_at: outside 1990-01-01 to …", "ended_at: outside 1990-01-01 to …",
        "started_at: not a timestamp", "day: outside 1990-01-01 to …",
    }  # fmt: skip
    shoot(browser, "absurd-health")
    failed = [e["message"] for e in browser.get_log("browser") if "status of 500" in e["message"]]
    assert failed == []
