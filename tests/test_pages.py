"""Real saved Arabic news pages (tests/pages): each check written down by reading the page.

tests/pages.json gives, for every page, its origin and license, and what a reader finds in it:
the title, the publication date in the page's own time zone, the source, the author, the URL, a
few sentences of the article and some boilerplate that is not the article. A check that does not
hold yet is listed under the page's "misses" (with the reason) and runs as a strict xfail, so
that the counts in the README stay honest: `python tests/test_pages.py` prints them.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import run_in_process
from trafilatura.utils import load_html

from searcharc.dates import find_date
from searcharc.ingest.decode import decode
from searcharc.ingest.formats import parse
from searcharc.ingest.page import parse_text
from searcharc.ingest.page_facts import drop_skipped, read_facts
from searcharc.ingest.webpage import guessed, html_article, site_name
from searcharc.records import Article

PAGES = Path(__file__).parent / "pages"
ENCODINGS = Path(__file__).parent / "encodings"
MANIFEST = json.loads((PAGES.parent / "pages.json").read_text(encoding="utf-8"))["pages"]
FIELDS = ("title", "date", "source", "author", "url")
KINDS = (*FIELDS, "body", "boilerplate")


@cache
def extracted(name: str) -> Article:
    article = next(parse(decode((PAGES / name).read_bytes()), name))
    assert isinstance(article, Article), article
    return article


def _flat(text: str | None) -> str | None:
    """Spaces collapsed and no-break spaces dropped: how the page spaced a title is no check."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip() if text else text


def holds(page: dict, kind: str) -> bool:
    """Whether one kind of check holds on one page."""
    article = extracted(page["file"])
    if kind == "body":
        return all(sentence in article.body for sentence in page["body"])
    if kind == "boilerplate":
        text = f"{article.body}\n{article.title}"
        starts_with_title = article.body.startswith(page["title"])
        return not starts_with_title and not any(junk in text for junk in page["boilerplate"])
    found, expected = getattr(article, kind), page[kind]
    if kind == "url":
        return unquote(found or "") == unquote(expected)
    return _flat(found) == _flat(expected)


def _cases() -> list:
    cases = []
    for page in MANIFEST:
        for kind in KINDS:
            reason = page.get("misses", {}).get(kind)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            cases.append(pytest.param(page, kind, marks=marks, id=f"{page['file']}-{kind}"))
    return cases


@pytest.mark.parametrize(("page", "kind"), _cases())
@pytest.mark.slow
def test_page(page, kind):
    article = extracted(page["file"])
    shown = {f: getattr(article, f) for f in FIELDS} | {"body": article.body[:300]}
    assert holds(page, kind), f"{kind}: expected {page.get(kind)!r}, extracted {shown}"


def test_the_corpus_is_what_the_readme_says():
    sites = {page["site"] for page in MANIFEST}
    encodings = {page["encoding"] for page in MANIFEST}
    assert len(MANIFEST) >= 14 and len(sites) >= 12 and "windows-1256" in encodings
    assert all((PAGES / page["file"]).exists() and page["origin"]["license"] for page in MANIFEST)
    assert sum(p.stat().st_size for p in PAGES.iterdir()) < 3_000_000


@pytest.mark.parametrize(
    "page", [p for p in MANIFEST if p.get("date_line")], ids=lambda p: p["file"]
)
def test_the_pages_date_lines_are_read_as_text(page):
    """Each page's own date line, as plain text: paired and regional month names."""
    assert find_date(page["date_line"]) == page["date"]


@pytest.mark.slow
def test_a_utc_time_gives_way_to_the_by_line_of_the_next_day():
    """El Balad without its JSON-LD: article:published_time is 2020-12-24T23:59:50+00:00 (UTC),
    the by-line under the headline «2020/12/25 - 1:59 صباحًا» (Cairo): the reader's day wins."""
    page = next(p for p in MANIFEST if p["file"].startswith("elbalad"))
    html = decode((PAGES / page["file"]).read_bytes())
    without_json_ld = re.sub(r"<script[^>]*ld\+json.*?</script>", "", html, flags=re.S)
    assert "datePublished" not in without_json_ld
    assert html_article(without_json_ld, page["file"]).date == "2020-12-25"


@pytest.mark.slow
def test_an_ip_address_is_no_url_and_no_source():
    """Al Madenah News's og:url names 52.16.95.170: the URL is the canonical link's, and an IP
    address is never a site's name."""
    page = next(p for p in MANIFEST if p["file"].startswith("almadenahnews"))
    html = decode((PAGES / page["file"]).read_bytes())
    assert "https://52.16.95.170/article/825076" in html
    assert urlsplit(html_article(html, page["file"]).url).hostname == "www.almadenahnews.com"
    assert (
        site_name(read_facts(load_html("<html><p>x</p></html>")), "", "http://52.16.95.170/a")
        is None
    )


@pytest.mark.slow
def test_a_quoted_headline_is_the_title_and_the_canonical_link_the_url():
    """LBCI: the h1 keeps the quotation marks its <title> and og:title drop, and og:url names a
    generic «…/898682/lbci-lebanon-articles/ar» while the canonical link is the article's."""
    page = next(p for p in MANIFEST if p["file"].startswith("lbcgroup"))
    html = decode((PAGES / page["file"]).read_bytes())
    assert 'og:url" content="https://www.lbcgroup.tv/news/lifestyle/898682/lbci-lebanon' in html
    article = html_article(html, page["file"])
    assert article.title.startswith('"شعر وردي يُشعل السخرية"')
    assert unquote(article.url) == unquote(page["url"])


def _bbc() -> tuple[dict, str]:
    page = next(p for p in MANIFEST if p["file"].startswith("bbcarabic"))
    return page, decode((PAGES / page["file"]).read_bytes())


@pytest.mark.slow
def test_a_headline_in_another_word_order_is_the_title():
    """BBC Arabic: the h1 «أصدقاء الطيار الأمريكي آرون بوشنيل يكافحون …» while <title>, og:title
    and the JSON-LD headline put the name first, «آرون بوشنيل: أصدقاء الطيار الأمريكي …»."""
    page, html = _bbc()
    assert "<title>" in html and "آرون بوشنيل: أصدقاء الطيار الأمريكي" in html
    assert html_article(html, page["file"]).title == page["title"]


def test_a_photo_caption_does_not_date_the_article():
    """BBC Arabic: the photo under the headline is captioned «… - 2 مارس/آذار 2024»; the by-line
    says «3 مارس/ آذار 2024», and datePublished (UTC) agrees with the by-line."""
    page, html = _bbc()
    tree = load_html(html)
    caption = tree.xpath("//figcaption")[0].text_content()
    assert find_date(caption) == "2024-03-02"
    assert read_facts(tree).byline_date == page["date"]


def test_a_section_the_page_lets_readers_skip_is_not_the_article():
    """BBC Arabic: «تخطى يستحق الانتباه وواصل القراءة» jumps over a podcast promo to the end of
    its own section, as «تخطى قصص مقترحة» over recommended stories; the header's «إذهب الى
    المحتوى» jumps to the headline and drops nothing."""
    _, html = _bbc()
    tree = load_html(html)
    drop_skipped(tree)
    text = tree.text_content()
    assert "شرح معمق لقصة بارزة" not in text and "قصص مقترحة نهاية" not in text
    assert "إذهب الى المحتوى" in text and tree.xpath("//h1[@id='content']")


def test_a_footnote_link_is_no_skip_link():
    """A section whose text links to a note at its own end is the article, not a promo: only a
    link that opens the section skips it."""
    html = (
        "<html><body><h1>عنوان</h1><section><p>نص المقال<a href='#n1'>1</a> يتواصل هنا.</p>"
        "<p id='n1'>الهامش الأول</p></section></body></html>"
    )
    tree = load_html(html)
    drop_skipped(tree)
    assert "نص المقال" in tree.text_content()


def test_a_labelled_by_line_names_the_author_and_is_not_body():
    """BBC Arabic lists its by-line as «Author, كايلا إبستين وأنجليكا كاساس» and «Role, بي بي سي
    نيوز» (labels for screen readers); article:author is a Facebook address."""
    page, html = _bbc()
    article = html_article(html, page["file"])
    assert article.author == page["author"]
    assert "Author," not in article.body and "بي بي سي نيوز" not in article.body


@pytest.mark.slow
def test_a_page_its_site_saved_in_windows_1256():
    """arabic-media.com's directory of Arabic newspapers, served and saved in Windows-1256
    (tests/encodings/README.md; no article, so not in the corpus): read as Arabic, titled and
    sourced, no date invented, and its author meta «(c) Arabic newspapers online» (a copyright
    notice, from which trafilatura strips the «(c)») is no author."""
    data = (ENCODINGS / "arabic-media-newspapers.cp1256.html").read_bytes()
    assert b"charset=windows-1256" in data and b"(c) Arabic newspapers online" in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    article = html_article(decode(data), "arabic-media-newspapers.cp1256.html")
    assert article.title == "Arabic newspapers Online - الصحف و الجرائد باللغة العربية"
    assert (article.source, article.date, article.author) == ("Arabic Media", None, None)
    assert "الجزيرة نت" in article.body


def test_trafilaturas_1_january_is_no_date():
    """trafilatura (htmldate) makes 2013-01-01 of CNN Arabic's «2013»: never taken."""
    import trafilatura

    page = next(p for p in MANIFEST if p["file"].startswith("cnnarabic"))
    html = decode((PAGES / page["file"]).read_bytes())
    doc = trafilatura.bare_extraction(html, with_metadata=True)
    assert doc.date == "2013-01-01" and guessed(doc.date) is None
    assert guessed("2020-02-19") == "2020-02-19"


def test_a_text_article_with_the_levantine_double_month_is_dated():
    page = next(p for p in MANIFEST if p["file"].startswith("almadenahnews"))
    text = f"{page['title']}\n{page['date_line']}\n{page['body'][0]}، في حصيلة يومية شبه قياسية."
    assert parse_text(text, "a.txt").date == "2020-04-24"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("السبت 11 كانون الثاني / يناير 2020", "2020-01-11"),
        ("5 كانون الثاني 2021", "2021-01-05"),
        ("الأحد، 04 آب/اغسطس 2013", "2013-08-04"),
        ("الجمعة 8 فيفري 2019", "2019-02-08"),
        ("3 جويلية 2018", "2018-07-03"),
        ("12 أبريل (نيسان) 2022", "2022-04-12"),
        ("24 نيسان / مايو 2020", None),  # two months that disagree: no date
        ("في عام 2013", None),  # a year alone is no date
    ],
)
def test_month_names_alone_and_paired(line, expected):
    assert find_date(line) == expected


@pytest.mark.slow
def test_a_folder_is_indexed_in_place_twice(tmp_path, monkeypatch, capsys):
    """`searcharc index .` in an archive folder: ./index is never read as input."""
    for page in MANIFEST[:2]:
        shutil.copy(PAGES / page["file"], tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHARC_INDEX", raising=False)
    for counts in ({"added": 2, "unchanged": 0}, {"added": 0, "unchanged": 2}):
        code, out, err = run_in_process(capsys, "index", ".", "--json")
        summary = json.loads(out)
        assert code == 0 and summary["skipped"] == [] and summary | counts == summary, err
    assert (tmp_path / "index" / "searcharc.json").exists()


@pytest.mark.slow
def test_a_folder_holding_another_index_is_not_read(tmp_path, capsys):
    """A Whoosh or searcharc index anywhere below the folder named is left out."""
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(PAGES / MANIFEST[0]["file"], folder)
    code, _, err = run_in_process(capsys, "index", str(folder), "--index", str(folder / "old"))
    assert code == 0, err
    args = ("index", str(folder), "--index", str(tmp_path / "new"), "--json")
    code, out, err = run_in_process(capsys, *args)
    assert code == 0 and json.loads(out)["added"] == 1, err


def report() -> str:
    """The README's table: pages, sites, and how many of each check hold."""
    counts = {kind: sum(holds(page, kind) for page in MANIFEST) for kind in KINDS}
    sites = len({page["site"] for page in MANIFEST})
    head = "| pages | sites | " + " | ".join(KINDS) + " |"
    rule = "| ---: " * (len(KINDS) + 2) + "|"
    row = f"| {len(MANIFEST)} | {sites} | " + " | ".join(
        f"{counts[kind]}/{len(MANIFEST)}" for kind in KINDS
    )
    return f"{head}\n{rule}\n{row} |"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    print(report())
