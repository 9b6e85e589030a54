"""A saved news page (HTML) → an Article: trafilatura's text, the rest from the page's markup.

trafilatura finds the article's text (comments left out, which also drops the hidden pop-ups of
comment rules); what it gets wrong on Arabic news pages is read from the page itself:

- the date is the publication date in the page's own time zone, from, in order: JSON-LD
  ``datePublished`` (it carries the page's offset), the published-time meta tags, the dated
  by-line under the headline, the URL, and only then trafilatura's own guess (htmldate's)
  unless it is 1 January (measured in bench/page_dates.py). A UTC time whose day differs by
  one from the by-line's gives way to the by-line (the day a reader of the page saw). Dates in
  the header, before the headline, are the crawl day ("today"), never a publication date; a
  by-line that dates an update is not a publication date; a year alone is no date.
- the title is the headline (the h1 whose words the page's titles contain, quotation marks,
  punctuation and order aside: titles drop the headline's quotes or reorder it), without the
  site's name;
- the source is the site's name (og:site_name, the JSON-LD publisher, the <title>'s other
  part, else the domain); the author is a person's name or nothing (never a copyright notice);
  the URL is the canonical link (the page's own address; og:url may name an IP address,
  another host or a generic path), else og:url;
- the body loses the headline repeated, by-line and date lines (labelled ones too: «Author, …»),
  comment policies, cookie and other site notices and the sections the page lets a reader skip
  (promos), and gains the lead (summary) paragraph when trafilatura left it out.
"""

from __future__ import annotations

import ipaddress
import re
import warnings
from datetime import date
from urllib.parse import urlsplit

from searcharc.dates import find_date
from searcharc.ingest.page import (
    BYLINE_MAX_WORDS,
    SENTENCE_END,
    is_byline,
    is_furniture,
)
from searcharc.ingest.page_facts import (
    BYLINE_PREFIX,
    NAME_WORDS,
    PageFacts,
    drop_skipped,
    flat,
    read_facts,
)
from searcharc.records import Article

SEPARATOR = r"(?:\s+[-|–—:]{1,2}\s+|\s*[|–—]\s*)"  # between a headline and a site's name
TITLE_SEPARATORS = re.compile(SEPARATOR)
# By-line fields labelled for screen readers, as trafilatura lists them: «- Author, …», «- Role, …».
BYLINE_LABEL = re.compile(r"^(?:-\s+)?(Author|Role)\s*,\s+", re.IGNORECASE)
# Site notices that are no part of any article: comment policies, community rules, cookies.
NOTICE = re.compile(
    r"(?:الآراء|التعليقات|المقالات) (?:الواردة|المنشورة) (?:\S+ )?لا تعبر"
    r"|ترحب (?:\S+ ){1,3}بالنقاش|إرشادات الاستخدام|شروط استخدام الموقع|سياسة الخصوصية"
    r"|ملفات (?:تعريف )?الارتباط|جميع الحقوق محفوظة|^إذا كان التعليق"
    r"|إدارة الموقع تملك الحق"
)
NOTICE_MAX_WORDS = 80
NOT_A_NAME = re.compile(r"https?|www\.|@|\d|[()]|\b(?:logo|png|jpe?g|svg|gif|webp|icon)\b", re.I)
URL_DATES = (
    re.compile(r"/((?:19|20)\d\d)/(?:[a-z_-]+/)?(\d{1,2})/(\d{1,2})/"),
    re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)"),
)


def _days_apart(one: str, other: str) -> int:
    return abs((date.fromisoformat(one) - date.fromisoformat(other)).days)


def url_date(url: str | None) -> str | None:
    """A full date in the URL's path: /2020/8/24/, /2013/middle_east/8/3/, 2020-06-03."""
    path = urlsplit(url or "").path
    for pattern in URL_DATES:
        if match := pattern.search(path):
            return find_date(f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}")
    return None


def publication_date(facts: PageFacts, url: str | None) -> str | None:
    """The article's publication date in the page's own time zone (see the module's docstring)."""
    stamp = facts.published[0] if facts.published else None
    byline = facts.byline_date
    if stamp and not (stamp.utc and byline and _days_apart(stamp.day, byline) == 1):
        return stamp.day
    return byline or url_date(url)


def guessed(found: str | None) -> str | None:
    """trafilatura's own date (htmldate's), for pages that state none of ours; never 1 January.

    htmldate makes 1 January of a year alone (CNN Arabic's «2013» became 2013-01-01); on the
    200 pages of htmldate's own MediaCloud set, its three 1 January answers were all wrong.
    """
    return None if not found or found[5:] == "01-01" else found[:10]


def _title_parts(title: str) -> list[str]:
    parts = (part.strip(" -|–—:") for part in TITLE_SEPARATORS.split(flat(title)))
    return [part for part in parts if part]


def headline(facts: PageFacts, fallback: str) -> str:
    """The headline: the page's h1, else ``fallback`` without the site's name at either end."""
    if facts.headline:
        return facts.headline
    title = flat(fallback)
    for name in map(re.escape, map(flat, facts.site_names)):
        title = re.sub(rf"^{name}{SEPARATOR}|{SEPARATOR}{name}$", "", title)
    return title


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _title_site(full: str, title: str) -> str | None:
    """What a <title> adds to the headline, last part first: «… - المدينة نيوز»."""
    if not title or flat(title) not in flat(full):
        return None
    rest = _title_parts(flat(full).replace(flat(title), " "))
    return rest[-1] if rest else None


def site_name(facts: PageFacts, title: str, url: str | None) -> str | None:
    """og:site_name, the JSON-LD publisher, what <title> adds to the headline, the domain."""
    if facts.site_names:
        return facts.site_names[0]
    if facts.titles and (name := _title_site(facts.titles[0], title)):
        return name
    host = urlsplit(url or "").hostname
    return host.removeprefix("www.") if host and not _is_ip(host) else None


def _is_name(text: str, site: str | None) -> bool:
    words = text.split()
    return (
        NAME_WORDS[0] <= len(words) <= NAME_WORDS[1]
        and not NOT_A_NAME.search(text)
        and not (site and (text in site or site in text))
    )


def person(candidates: list[str], site: str | None) -> str | None:
    """The first candidate that reads as a person's name («حسام أبو العلا - القاهرة» → the name)."""
    for candidate in candidates:
        for part in re.split(r";|،|,", candidate):
            name = flat(BYLINE_PREFIX.sub("", part.split(" - ")[0].strip()))
            if _is_name(name, site):
                return name
    return None


def page_url(found: str | None, canonical: str | None) -> str | None:
    """The canonical link when it is an absolute web address, else og:url."""
    return canonical if canonical and urlsplit(canonical).scheme.startswith("http") else found


def _is_date_line(line: str) -> bool:
    """A short line stating a date that is no sentence: «تم نشره الجمعة 24 نيسان / أبريل 2020»."""
    return is_byline(line) and not SENTENCE_END.search(line[-1:]) and not line.startswith("|")


def body_lines(text: str, title: str, lead: str | None) -> tuple[list[str], str | None]:
    """The article's paragraphs, and a writer named in a by-line among them («حوار: …»)."""
    kept: list[str] = []
    writer = None
    for raw in text.splitlines():
        line = raw.strip()
        words = len(line.split())
        if not line or flat(line) == flat(title) or _is_date_line(line):
            continue
        if words <= BYLINE_MAX_WORDS and is_furniture(line):
            continue
        if words <= NOTICE_MAX_WORDS and NOTICE.search(line):
            continue
        if BYLINE_PREFIX.match(line) and words <= NAME_WORDS[1] + 1:
            writer = writer or BYLINE_PREFIX.sub("", line)
            continue
        if (label := BYLINE_LABEL.match(line)) and words <= NAME_WORDS[1] + 2:
            if label[1].lower() == "author":
                writer = writer or line[label.end() :]
            continue
        kept.append(line)
    if lead and not any(lead[:40] in line for line in kept):
        kept.insert(0, lead)
    return kept, writer


def html_article(text: str, name: str) -> Article | None:
    """The article of a saved news page, or None when the page has no article text."""
    import trafilatura  # heavy: only when there is HTML to read
    from trafilatura.utils import load_html

    tree = load_html(text)
    if tree is None:
        return None
    facts = read_facts(tree)
    drop_skipped(tree)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(tree, with_metadata=True, include_comments=False)
    if doc is None or not (doc.text or "").strip():
        return None
    url = page_url(doc.url, facts.canonical)
    title = headline(facts, doc.title or "")
    lines, writer = body_lines(doc.text, title, facts.lead)
    body = "\n\n".join(lines)
    source = site_name(facts, title, url)
    # trafilatura strips «(c)» from copyright notices in author metas («(c) Arabic Media»)
    meta_authors = [
        a for a in (doc.author or "").split("; ") if a.casefold() not in facts.rights_holders
    ]
    author_candidates = [*facts.authors, *([writer] if writer else []), *meta_authors]
    return Article(
        id=name,
        title=title,  # none: shown as the body's first sentence (records.derived_title)
        body=body,
        source=source,
        date=publication_date(facts, url) or guessed(doc.date),
        url=url,
        author=person(author_candidates, source),
    )
