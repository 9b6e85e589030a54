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
import json
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from searcharc.dates import Stamp, find_date, read_stamp
from searcharc.ingest.page import (
    BYLINE_MAX_WORDS,
    SENTENCE_END,
    is_byline,
    is_furniture,
)
from searcharc.records import Article

SEPARATOR = r"(?:\s+[-|–—:]{1,2}\s+|\s*[|–—]\s*)"  # between a headline and a site's name
TITLE_SEPARATORS = re.compile(SEPARATOR)
UPDATE_MARK = re.compile(r"تحديث|updated", re.IGNORECASE)
BYLINE_PREFIX = re.compile(r"^(?:كتب|كتبت|بقلم|حوار|إعداد|اعداد|تقرير|By)\s*:?\s+", re.IGNORECASE)
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
LEAD_CLASS = re.compile(r"(?:^|[_-])(?:lead|summary|intro|standfirst|excerpt|teaser)(?:$|[_-])")
AUTHOR_CLASS = re.compile(r"author|writer|byline|writeby", re.IGNORECASE)
RIGHTS_MARK = re.compile(r"^\s*(?:©|\(c\)|copyright\b)\s*", re.IGNORECASE)
NOT_A_NAME = re.compile(r"https?|www\.|@|\d|[()]|\b(?:logo|png|jpe?g|svg|gif|webp|icon)\b", re.I)
NAME_WORDS = (2, 5)
LEAD_WORDS = (8, 150)
HEADLINE_SHARE = 0.5  # of the <title>: the rest is the site's and the section's names
WORD = re.compile(r"\w+")
BYLINE_SCAN = 40  # elements after the headline where its by-line may stand
BODY_STARTS_WORDS = 25  # a text this long after the headline is the article itself
URL_DATES = (
    re.compile(r"/((?:19|20)\d\d)/(?:[a-z_-]+/)?(\d{1,2})/(\d{1,2})/"),
    re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)"),
)
ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What the page's own markup says about its article, read before trafilatura cleans it."""

    published: list[Stamp]  # JSON-LD datePublished first, then the meta tags
    byline_date: str | None
    site_names: list[str]
    titles: list[str]  # <title>, og:title
    headline: str | None  # the h1 that the titles contain
    authors: list[str]  # JSON-LD authors, then by-line elements
    rights_holders: list[str]  # author meta tags that are copyright notices: «(c) Arabic Media»
    canonical: str | None
    lead: str | None


def _flat(text: str) -> str:
    """Runs of white space (no-break spaces too) as one space."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def _text(element: HtmlElement) -> str:
    return _flat(element.text_content())


def _meta(tree: HtmlElement, *keys: str) -> list[str]:
    """The content of <meta> tags whose property, name or itemprop is one of ``keys``."""
    found = []
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        if key.lower() in keys and (value := (element.get("content") or "").strip()):
            found.append(value)
    return found


def _json_ld(tree: HtmlElement) -> Iterator[dict]:
    """Every object of the page's JSON-LD, @graph members included."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content())
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                graph = item.get("@graph")
                stack.extend(graph if isinstance(graph, list) else [])
                yield item


def _names(value: object, objects: dict[str, dict]) -> list[str]:
    """The names in a JSON-LD author or publisher value (resolving @id references)."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict) and "name" not in item and item.get("@id") in objects:
            item = objects[item["@id"]]
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return names


def _is_article(item: dict) -> bool:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and ARTICLE_TYPES.search(k) for k in kinds)


def _headline_element(tree: HtmlElement, titles: list[str]) -> HtmlElement | None:
    """The longest h1 that makes up most of one of the page's titles (not a logo or section)."""

    def covers(heading: str, title: str) -> bool:
        words, title_words = Counter(WORD.findall(heading)), Counter(WORD.findall(title))
        return words <= title_words and words.total() >= HEADLINE_SHARE * title_words.total()

    heads = [h for h in tree.iter("h1") if len(_text(h).split()) >= 2]
    matching = [h for h in heads if any(covers(_text(h), t) for t in titles)]
    return max(matching, key=lambda h: len(_text(h)), default=None)


def _byline_date(tree: HtmlElement, headline: HtmlElement | None) -> str | None:
    """The first date stated in a short line after the headline, before the article starts
    (a photo's caption dates the photo: «… في مدينة غلاسكو - 2 مارس/آذار 2024»)."""
    for scanned, element in enumerate(_after(tree, headline)):
        in_figure = element.xpath("ancestor-or-self::figure")
        text = "" if in_figure else _flat(element.text or "")
        if scanned >= BYLINE_SCAN or len(text.split()) >= BODY_STARTS_WORDS:
            return None
        if text and not UPDATE_MARK.search(text) and (found := find_date(text)):
            return found
    return None


def _after(tree: HtmlElement, start: HtmlElement | None) -> Iterator[HtmlElement]:
    """The elements after ``start`` in document order (none without a start)."""
    seen = False
    for element in tree.iter():
        if seen and isinstance(element.tag, str) and element.tag not in ("script", "style"):
            yield element
        seen = seen or element is start


def _lead(tree: HtmlElement, headline: HtmlElement | None) -> str | None:
    """A summary paragraph after the headline, marked as such (itemprop or a lead class)."""
    for element in _after(tree, headline):
        marked = element.get("itemprop") == "description" or any(
            LEAD_CLASS.search(token) for token in (element.get("class") or "").split()
        )
        text = _text(element) if marked else ""
        if LEAD_WORDS[0] <= len(text.split()) <= LEAD_WORDS[1] and SENTENCE_END.search(text[-1:]):
            return text
    return None


def _skips(link: HtmlElement, block: HtmlElement) -> bool:
    """Whether ``link`` opens ``block`` and jumps to an anchor that closes it (a footnote
    reference inside a text does neither)."""
    anchor = (link.get("href") or "")[1:]
    targets = block.xpath(".//*[@id=$anchor]", anchor=anchor) if anchor else []
    text = _text(block)
    return bool(targets) and text.startswith(_text(link)) and text.endswith(_text(targets[0]))


def drop_skipped(tree: HtmlElement) -> None:
    """Drop each section the page lets a reader skip: a link at its start to an anchor at its
    end («تخطى يستحق الانتباه وواصل القراءة» → «يستحق الانتباه نهاية») marks a promo."""
    for link in tree.xpath(
        "//section//a[starts-with(@href, '#')] | //aside//a[starts-with(@href, '#')]"
    ):
        block = next((a for a in link.iterancestors() if a.tag in ("section", "aside")), None)
        if block is None or block.getparent() is None or block.xpath(".//h1"):
            continue
        if _skips(link, block):
            block.drop_tree()


def _byline_authors(tree: HtmlElement) -> list[str]:
    """Names in elements marked as the author's (class or itemprop), without «كتب» and the like."""
    found = []
    for element in tree.xpath("//body//*[@class or @itemprop]"):
        marks = f"{element.get('class', '')} {element.get('itemprop', '')}"
        text = _text(element) if AUTHOR_CLASS.search(marks) else ""
        if text and len(text.split()) <= NAME_WORDS[1] + 1:
            found.append(BYLINE_PREFIX.sub("", text))
    return found


def read_facts(tree: HtmlElement) -> PageFacts:
    """The page's metadata, headline, by-line and lead."""
    objects = list(_json_ld(tree))
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    articles = [o for o in objects if _is_article(o)]
    stamps = [o.get("datePublished") for o in articles] + _meta(
        tree, "article:published_time", "datepublished", "pubdate", "publishdate", "date"
    )
    published = [s for v in stamps if isinstance(v, str) and (s := read_stamp(v))]
    site_names = [
        *(n for n in _meta(tree, "og:site_name") if not urlsplit(n).scheme),
        *(n for o in articles for n in _names(o.get("publisher"), by_id)),
    ]
    titles = [_text(t) for t in tree.xpath("//head/title")[:1]] + _meta(tree, "og:title")
    headline = _headline_element(tree, titles)
    authors = [n for o in articles for n in _names(o.get("author"), by_id)]
    canonical = next(iter(tree.xpath("//link[@rel='canonical']/@href")), None)
    return PageFacts(
        published=published,
        byline_date=_byline_date(tree, headline),
        site_names=site_names,
        titles=titles,
        headline=_text(headline) if headline is not None else None,
        authors=authors + _byline_authors(tree),
        rights_holders=[
            RIGHTS_MARK.sub("", v).casefold() for v in _meta(tree, "author") if RIGHTS_MARK.match(v)
        ],
        canonical=canonical,
        lead=_lead(tree, headline),
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
    parts = (part.strip(" -|–—:") for part in TITLE_SEPARATORS.split(_flat(title)))
    return [part for part in parts if part]


def headline(facts: PageFacts, fallback: str) -> str:
    """The headline: the page's h1, else ``fallback`` without the site's name at either end."""
    if facts.headline:
        return facts.headline
    title = _flat(fallback)
    for name in map(re.escape, map(_flat, facts.site_names)):
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
    if not title or _flat(title) not in _flat(full):
        return None
    rest = _title_parts(_flat(full).replace(_flat(title), " "))
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
            name = _flat(BYLINE_PREFIX.sub("", part.split(" - ")[0].strip()))
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
        if not line or _flat(line) == _flat(title) or _is_date_line(line):
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
