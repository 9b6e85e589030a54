"""A real browser on `searcharc serve`: Debian's headless Chromium, driven by Selenium.

Runs where /usr/bin/chromium and /usr/bin/chromedriver are installed (.ci/run installs them
with apt-get); elsewhere it is skipped, saying so. Screenshots go to $SEARCHARC_SCREENSHOTS
when it is set (docs/screenshots/ in the README was made that way), else to a temporary folder.
The trend test serves a generated three weeks of «اليمن» and «داعش», or the index at
$SEARCHARC_TREND_INDEX when it is set (the README's web-trend.png: the SaudiNewsNet index).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import served

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
QUERY = "مكافحة الإرهاب"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1000,1000",
]


def missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return (
            "no Debian chromium and chromium-driver here (apt-get install chromium chromium-driver)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(missing() is not None, reason=missing() or ""),
]


@pytest.fixture
def browser(tmp_path):
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: never download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SEARCHARC_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def rect(driver, element) -> dict:
    return driver.execute_script("return arguments[0].getBoundingClientRect()", element)


def summary_total(driver) -> int:
    from selenium.webdriver.common.by import By

    text = driver.find_element(By.CSS_SELECTOR, "p.summary").text
    return int(re.match(r"[\d,]+", text).group(0).replace(",", ""))


def test_search_open_an_article_follow_a_facet_and_a_page(seed_index_dir, browser, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    find, find_all = browser.find_element, browser.find_elements
    with served(seed_index_dir) as base:
        browser.get(base)
        box = find(By.NAME, "q")
        box.send_keys(QUERY, Keys.ENTER)
        # Enter starts a navigation: wait for the results page (a loaded machine is slow)
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "li.hit"))
        hits = find_all(By.CSS_SELECTOR, "li.hit")
        assert hits and summary_total(browser) == 5
        assert browser.execute_script("return document.documentElement.dir") == "rtl"
        snippet = find(By.CSS_SELECTOR, "li.hit p.snippet")
        assert (
            browser.execute_script("return getComputedStyle(arguments[0]).direction", snippet)
            == "rtl"
        )
        # right to left: a short line (source · date · score) hugs the right edge of its list
        meta = find(By.CSS_SELECTOR, "li.hit p.meta span.score")
        line, hits_box = (rect(browser, e) for e in (meta, find(By.CSS_SELECTOR, "ol.hits")))
        assert hits_box["right"] - line["right"] < line["left"] - hits_box["left"]
        marks = [m.text for m in find_all(By.CSS_SELECTOR, "li.hit mark")]
        assert any("مكافح" in m for m in marks) and any("رهاب" in m for m in marks)
        browser.save_screenshot(str(shots / "results.png"))
        browser.set_window_size(390, 844)  # a phone: nothing scrolls sideways
        wide = "return document.documentElement.scrollWidth - window.innerWidth"
        assert browser.execute_script(wide) <= 0
        browser.set_window_size(1000, 1000)

        # a facet narrows the search to its count
        facet = find(By.CSS_SELECTOR, "aside.facets li a")
        count = int(facet.find_element(By.XPATH, "following-sibling::span").text)
        name = facet.text
        facet.click()
        assert summary_total(browser) == count
        assert name in find(By.NAME, "q").get_attribute("value")

        # a page link
        browser.get(base + "?" + urlencode({"q": QUERY, "limit": 2}))
        find(By.CSS_SELECTOR, "nav.pages a[rel=next]").click()
        assert find(By.CSS_SELECTOR, "ol.hits").get_attribute("start") == "3"
        assert find(By.CSS_SELECTOR, "nav.pages [aria-current=page]").text == "2"

        # open one
        browser.get(base + "?" + urlencode({"q": QUERY}))
        first = find(By.CSS_SELECTOR, "li.hit h2 a")
        expected = first.text
        first.click()
        assert find(By.TAG_NAME, "h1").text == expected
        assert find(By.NAME, "q").get_attribute("value") == QUERY
        marks = find_all(By.CSS_SELECTOR, "div.body mark")
        assert marks and find_all(By.CSS_SELECTOR, "section.similar li")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", marks[0])
        browser.save_screenshot(str(shots / "article.png"))
        browser.set_window_size(390, 844)
        assert browser.execute_script(wide) <= 0
    for name in ("results.png", "article.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_trend_chart_draws_and_each_bar_narrows_the_search(browser, shots, tmp_path_factory):
    from selenium.webdriver.common.by import By
    from test_web_trend import ISIS, YEMEN, make_archive

    find, find_all = browser.find_element, browser.find_elements
    given = os.environ.get("SEARCHARC_TREND_INDEX")
    index = Path(given) if given else make_archive(tmp_path_factory.mktemp("trend"))
    with served(index) as base:
        browser.get(base + "trend?" + urlencode([("q", YEMEN), ("q", ISIS), ("by", "day")]))
        svg = find(By.CSS_SELECTOR, "svg.chart")
        assert svg.is_displayed() and rect(browser, svg)["height"] > 100
        title = browser.execute_script(
            "return arguments[0].querySelector('title').textContent", svg
        )
        assert YEMEN in title and ISIS in title
        rows = find_all(By.CSS_SELECTOR, "table.trend-table tbody tr")
        drawn = find_all(By.CSS_SELECTOR, "svg.chart rect.s0")
        assert len(rows) == len(drawn) == len(find_all(By.CSS_SELECTOR, "svg.chart rect.s1"))
        assert rect(browser, drawn[0])["left"] > rect(browser, drawn[-1])["left"]  # right to left
        browser.save_screenshot(str(shots / "web-trend.png"))
        browser.set_window_size(390, 844)
        wide = "return document.documentElement.scrollWidth - window.innerWidth"
        assert browser.execute_script(wide) <= 0
        browser.set_window_size(1000, 1000)

        # the tallest bar of «اليمن» narrows the search to its day, and finds as many
        tallest = max(drawn, key=lambda r: float(r.get_attribute("height")))
        said = browser.execute_script(
            "return arguments[0].querySelector('title').textContent", tallest
        )
        count = int(said.rsplit(": ", 1)[1].replace(",", ""))
        tallest.click()
        assert summary_total(browser) == count
        assert find(By.NAME, "since").get_attribute("value") == find(
            By.NAME, "until"
        ).get_attribute("value")
        browser.get(base + "?" + urlencode({"q": YEMEN}))
        assert find_all(By.CSS_SELECTOR, "svg.chart rect.s0")
        browser.save_screenshot(str(shots / "web-results-trend.png"))
    for name in ("web-trend.png", "web-results-trend.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
