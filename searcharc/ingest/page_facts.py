"""What a saved news page's own markup says about its article, read before trafilatura cleans
it: the JSON-LD and meta tags' dates, site names, titles and authors, the headline (the h1
whose words the page's titles contain, quotation marks, punctuation and order aside), the
by-line's date and authors, the canonical link and the lead paragraph; and the sections the
page lets a reader skip (promos), dropped. ``searcharc.ingest.webpage`` decides from these.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from searcharc.dates import Stamp, find_date, read_stamp
from searcharc.ingest.page import SENTENCE_END

UPDATE_MARK = re.compile(r"تحديث|updated", re.IGNORECASE)
BYLINE_PREFIX = re.compile(r"^(?:كتب|كتبت|بقلم|حوار|إعداد|اعداد|تقرير|By)\s*:?\s+", re.IGNORECASE)
LEAD_CLASS = re.compile(r"(?:^|[_-])(?:lead|summary|intro|standfirst|excerpt|teaser)(?:$|[_-])")
AUTHOR_CLASS = re.compile(r"author|writer|byline|writeby", re.IGNORECASE)
RIGHTS_MARK = re.compile(r"^\s*(?:©|\(c\)|copyright\b)\s*", re.IGNORECASE)
NAME_WORDS = (2, 5)
LEAD_WORDS = (8, 150)
HEADLINE_SHARE = 0.5  # of the <title>: the rest is the site's and the section's names
WORD = re.compile(r"\w+")
BYLINE_SCAN = 40  # elements after the headline where its by-line may stand
BODY_STARTS_WORDS = 25  # a text this long after the headline is the article itself
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


def flat(text: str) -> str:
    """Runs of white space (no-break spaces too) as one space."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def text_of(element: HtmlElement) -> str:
    return flat(element.text_content())


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

    heads = [h for h in tree.iter("h1") if len(text_of(h).split()) >= 2]
    matching = [h for h in heads if any(covers(text_of(h), t) for t in titles)]
    return max(matching, key=lambda h: len(text_of(h)), default=None)


def _byline_date(tree: HtmlElement, headline: HtmlElement | None) -> str | None:
    """The first date stated in a short line after the headline, before the article starts
    (a photo's caption dates the photo: «… في مدينة غلاسكو - 2 مارس/آذار 2024»)."""
    for scanned, element in enumerate(_after(tree, headline)):
        in_figure = element.xpath("ancestor-or-self::figure")
        text = "" if in_figure else flat(element.text or "")
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
        text = text_of(element) if marked else ""
        if LEAD_WORDS[0] <= len(text.split()) <= LEAD_WORDS[1] and SENTENCE_END.search(text[-1:]):
            return text
    return None


def _skips(link: HtmlElement, block: HtmlElement) -> bool:
    """Whether ``link`` opens ``block`` and jumps to an anchor that closes it (a footnote
    reference inside a text does neither)."""
    anchor = (link.get("href") or "")[1:]
    targets = block.xpath(".//*[@id=$anchor]", anchor=anchor) if anchor else []
    text = text_of(block)
    return bool(targets) and text.startswith(text_of(link)) and text.endswith(text_of(targets[0]))


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
        text = text_of(element) if AUTHOR_CLASS.search(marks) else ""
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
    titles = [text_of(t) for t in tree.xpath("//head/title")[:1]] + _meta(tree, "og:title")
    headline = _headline_element(tree, titles)
    authors = [n for o in articles for n in _names(o.get("author"), by_id)]
    canonical = next(iter(tree.xpath("//link[@rel='canonical']/@href")), None)
    return PageFacts(
        published=published,
        byline_date=_byline_date(tree, headline),
        site_names=site_names,
        titles=titles,
        headline=text_of(headline) if headline is not None else None,
        authors=authors + _byline_authors(tree),
        rights_holders=[
            RIGHTS_MARK.sub("", v).casefold() for v in _meta(tree, "author") if RIGHTS_MARK.match(v)
        ],
        canonical=canonical,
        lead=_lead(tree, headline),
    )
