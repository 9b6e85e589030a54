"""Publication dates of the real pages in tests/pages: ours against htmldate and trafilatura.

Run by hand: `.venv/bin/python bench/page_dates.py`. For each page, the date a reader gives it
(tests/pages/manifest.json) against searcharc's chooser (searcharc.ingest.webpage), htmldate's
find_date (original date, with and without its extensive search) and trafilatura's own date.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import htmldate
import trafilatura
from trafilatura.utils import load_html

from searcharc.ingest.decode import decode
from searcharc.ingest.webpage import publication_date, read_facts

PAGES = Path(__file__).resolve().parents[1] / "tests" / "pages"


def ours(html: str) -> str | None:
    tree = load_html(html)
    facts = read_facts(tree)
    url = facts.canonical or next(iter(tree.xpath("//meta[@property='og:url']/@content")), None)
    return publication_date(facts, url)


def by_trafilatura(html: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(html, with_metadata=True)
    return doc.date if doc else None


METHODS = {
    "searcharc": ours,
    "htmldate extensive": lambda h: htmldate.find_date(h, original_date=True),
    "htmldate fast": lambda h: htmldate.find_date(h, original_date=True, extensive_search=False),
    "trafilatura": by_trafilatura,
}


def main() -> None:
    pages = json.loads((PAGES / "manifest.json").read_text(encoding="utf-8"))["pages"]
    right = dict.fromkeys(METHODS, 0)
    seconds = dict.fromkeys(METHODS, 0.0)
    print("| page | expected | " + " | ".join(METHODS) + " |")
    print("| --- " * (len(METHODS) + 2) + "|")
    for page in pages:
        html = decode((PAGES / page["file"]).read_bytes())
        cells = []
        for name, method in METHODS.items():
            started = time.perf_counter()
            found = method(html)
            seconds[name] += time.perf_counter() - started
            right[name] += found == page["date"]
            cells.append(found if found == page["date"] else f"**{found}**")
        print(f"| {page['file']} | {page['date']} | " + " | ".join(map(str, cells)) + " |")
    print("| right | | " + " | ".join(f"{right[n]}/{len(pages)}" for n in METHODS) + " |")
    print("| ms a page | | " + " | ".join(f"{seconds[n] * 1000 / len(pages):.0f}" for n in METHODS))


if __name__ == "__main__":
    main()
