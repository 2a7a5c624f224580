"""The report in a real headless Chromium with the network cut: it opens, its charts draw.

Screenshots go to test-artifacts/screenshots/ for a human to look at.
"""

import json
import re
from pathlib import Path

import pytest

from dumbcontacts.analysis.report.files import CHROMIUM, print_pdf, write_report
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.warehouse import create_warehouse
from tests.conftest import TEST_SALT
from tests.truth import assign_ground_truth, read_truth

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMEDRIVER = Path("/usr/bin/chromedriver")
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
WEEK = json.loads((SAMPLE / "ground_truth.json").read_text())["spike"]["iso_week"]
# Every host name fails to resolve and the page is emulated offline: nothing can be fetched.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--window-size=1280,2000",
         "--host-resolver-rules=MAP * ~NOTFOUND")  # fmt: skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and CHROMEDRIVER.exists()),
        reason="needs /usr/bin/chromium and /usr/bin/chromedriver (scripts/services.sh)",
    ),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-browser")
    warehouse = create_warehouse(f"duckdb:///{folder / 'w.duckdb'}")
    list(load_paths(warehouse, [SAMPLE], salt=TEST_SALT))
    assign_ground_truth(warehouse, read_truth(SAMPLE, warehouse))
    return write_report(warehouse, WEEK, folder / "reports")


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    yield driver
    driver.quit()


def test_report_opens_offline_and_its_charts_render(report, browser):
    browser.get((report.folder / "report.html").as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#report-trend .main-svg")
    )
    ranking_rows = (report.folder / "ranking.csv").read_text().count("\n") - 1
    bars = browser.find_elements(By.CSS_SELECTOR, "#report-pareto .barlayer .point path")
    assert len(bars) == min(ranking_rows, 21)
    heights = [browser.execute_script("return arguments[0].getBBox().height", b) for b in bars]
    assert all(h > 0 for h in heights), "every bar is drawn"
    assert browser.find_elements(
        By.CSS_SELECTOR, "#report-pareto .scatterlayer .trace path.js-line"
    )
    assert len(browser.find_elements(By.CSS_SELECTOR, "#report-trend .scatterlayer .trace")) == 5
    title = browser.find_element(By.CSS_SELECTOR, "#report-pareto .gtitle").text
    assert title == "Where the week's contact cost goes"
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert [url for url in fetched if not url.startswith(("file:", "data:"))] == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"report-{WEEK}.png"
    browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_owner_page_opens_offline(report, browser):
    page = report.folder / "owners" / "payments.html"
    browser.get(page.as_uri())
    assert "Payments: your defects, week " + WEEK in browser.find_element(By.TAG_NAME, "h1").text
    owners = browser.find_elements(By.CSS_SELECTOR, "table tbody tr td:nth-child(3)")
    assert owners and {cell.text for cell in owners} == {"Payments"}


def test_pdf_is_printed_with_its_charts(report, tmp_path):
    pdf = print_pdf(report.folder / "report.html", tmp_path / "report.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    # The same page with its chart blocks cut out prints smaller: the charts were drawn
    # (by JavaScript, before printing) into the PDF, not left as empty boxes.
    html = (report.folder / "report.html").read_text()
    bare = re.sub(r'<div class="chart">.*?</section>', "</section>", html, flags=re.S)
    assert bare.count("Plotly.newPlot") == 0
    (tmp_path / "bare.html").write_text(bare)
    without = print_pdf(tmp_path / "bare.html", tmp_path / "bare.pdf")
    assert pdf.stat().st_size > without.stat().st_size + 10_000
