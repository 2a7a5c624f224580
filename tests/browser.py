"""The headless Chromium the dashboard tests drive (Debian's chromium and chromedriver,
installed by scripts/services.sh), and what they do with it."""

from pathlib import Path

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--window-size=1400,1800")  # fmt: skip
NO_BROWSER = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver (scripts/services.sh)",
)


def start_browser(downloads: Path):
    """Headless Chromium that saves downloads to ``downloads`` and keeps the console log."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to see failed calls
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return driver


def wait(browser, condition, seconds: float = 20.0):
    def safe(driver):
        try:
            return condition(driver)
        except StaleElementReferenceException:
            return False  # Dash replaced the element while we looked: look again

    return WebDriverWait(browser, seconds).until(safe)


def shoot(browser, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def ranking(browser) -> dict[str, int]:
    """defect id -> contacts, as the ranked table shows them."""
    rows = {}
    for cell in browser.find_elements(By.CSS_SELECTOR, "#overview-ranking td[data-defect]"):
        row = cell.find_element(By.XPATH, "./..")
        contacts = row.find_elements(By.TAG_NAME, "td")[5].text
        rows[cell.get_attribute("data-defect")] = int(contacts.replace(",", ""))
    return rows


def open_overview(browser, site, search: str = "") -> dict[str, int]:
    browser.get(site["base"] + "/" + search)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#overview-ranking td[data-defect]"))
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#overview-pareto .bars"))
    return ranking(browser)


def choose(browser, dropdown_id: str, option: str) -> None:
    browser.find_element(By.ID, dropdown_id).click()
    wait(browser, lambda b: [o for o in b.find_elements(By.CSS_SELECTOR, "[role=option]")
                             if o.text == option])[0].click()  # fmt: skip
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)


def click(browser, element) -> None:
    """Click ``element`` after scrolling it to the middle: the page is longer than the window."""
    # "instant": Bootstrap makes scrolling smooth, and a click mid-scroll misses.
    script = "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})"
    browser.execute_script(script, element)
    element.click()
