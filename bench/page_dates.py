"""Publication dates of saved pages: searcharc's chooser against htmldate and trafilatura.

Run by hand:

    .venv/bin/python bench/page_dates.py [HTMLDATE_TESTS]

First the pages of tests/pages (Arabic news; the dates a reader gives them are in
tests/pages.json), page by page; then, given the tests/ folder of a checkout of htmldate
(adbar/htmldate), its 200 MediaCloud pages in many languages (eval_mediacloud_2020.json, dates
judged by htmldate's authors), which our rules were not written on. "searcharc" is what `searcharc index` stores:
our rules, then trafilatura's own guess (htmldate's) unless it is 1 January.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import htmldate
import trafilatura
from trafilatura.utils import load_html

from searcharc.ingest.decode import DecodeError, decode
from searcharc.ingest.webpage import html_article, publication_date, read_facts

PAGES = Path(__file__).resolve().parents[1] / "tests" / "pages"
Case = tuple[str, str, str, str]  # name, html, expected date, url


def ours_only(html: str, url: str) -> str | None:
    return publication_date(read_facts(load_html(html)), url)


def stored(html: str) -> str | None:
    article = html_article(html, "page.html")
    return article.date if article else None


def by_trafilatura(html: str, url: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(html, with_metadata=True)
    return doc.date if doc else None


METHODS: dict[str, Callable[[str, str], str | None]] = {
    "searcharc": lambda h, u: stored(h),
    "our rules alone": ours_only,
    "htmldate fast": lambda h, u: htmldate.find_date(h, original_date=True, extensive_search=False),
    "htmldate extensive": lambda h, u: htmldate.find_date(h, original_date=True),
    "trafilatura": by_trafilatura,
}


def run(cases: list[Case], methods: list[str], rows: bool) -> None:
    """A markdown table: each page's dates (wrong ones in bold), then how many are right."""
    right = dict.fromkeys(methods, 0)
    print("| page | expected | " + " | ".join(methods) + " |")
    print("| --- " * (len(methods) + 2) + "|")
    for name, html, expected, url in cases:
        cells = []
        for method in methods:
            found = METHODS[method](html, url)
            right[method] += found == expected
            cells.append(str(found) if found == expected else f"**{found}**")
        if rows:
            print(f"| {name} | {expected} | " + " | ".join(cells) + " |")
    print("| right | | " + " | ".join(f"{right[m]}/{len(cases)}" for m in methods) + " |")


def corpus() -> list[Case]:
    pages = json.loads((PAGES.parent / "pages.json").read_text(encoding="utf-8"))["pages"]
    return [
        (p["file"], decode((PAGES / p["file"]).read_bytes()), p["date"], p["url"]) for p in pages
    ]


def mediacloud(tests: Path) -> list[Case]:
    gold = json.loads((tests / "eval_mediacloud_2020.json").read_text(encoding="utf-8"))
    cases = []
    for url, item in gold.items():
        try:
            html = decode((tests / "test_set" / item["file"]).read_bytes())
        except (DecodeError, OSError):
            continue
        cases.append((item["file"], html, item["date"], url))
    return cases


def main() -> None:
    run(corpus(), list(METHODS), rows=True)
    if len(sys.argv) > 1:
        print()
        quick = ["searcharc", "our rules alone", "htmldate fast", "trafilatura"]
        run(mediacloud(Path(sys.argv[1])), quick, rows=False)


if __name__ == "__main__":
    main()
