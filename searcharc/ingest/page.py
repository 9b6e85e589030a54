"""Scraped article text → an Article: title, clean body, source and date.

The rules are about what page furniture looks like, never about particular files: headline
tickers, comment forms, share/follow lines, image file names, section labels and by-lines are
dropped; a title is a short heading line near the top (else none: the title shown is then
``records.derived_title``); hard-wrapped text is joined back into paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from searcharc.dates import find_date
from searcharc.records import SENTENCE_END, Article

# Interface strings of news sites and blogs: comment forms, share/follow prompts, read-more links.
FURNITURE = re.compile(
    r"^(?:اترك تعليقا|لن يتم نشر عنوان بريدك|زر الذهاب إلى الأعلى|مقالات ذات صلة|اقرأ أيضا"
    r"|انقر هنا|اضغط هنا|شكرا على الإبلاغ|سيتم حجب هذه الصورة|ليست هناك تعليقات|إرسال تعليق"
    r"|أضف تعليق|شارك(?:ها)? (?:على|عبر)|تابع(?:وا|ونا)? (?:آخبار|أخبار|جديد)? ?\S* ?على"
    r"|تابعونا على|الحقول الإلزامية|التعليقات|مواضيع ذات صلة|المصدر ?:$)"
)
TICKER_GAP = re.compile(r"\s{3,}")
DOMAIN = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
FILE_NAME = re.compile(r"^[\w.\-]*\d[\w.\-]*$", re.ASCII)
PUBLISHED_IN = re.compile(r"نشر في (\S+(?: \S+)?) يوم")
FOLLOW_SOURCE = re.compile(r"^تابع(?:وا)? (?:آخبار|أخبار) (\S+) على")

TITLE_MAX_WORDS = 30
TITLE_SCAN_LINES = 6  # a title is among the first few content lines
LABEL_MAX_WORDS = 2  # a section label or breadcrumb: «تقارير», «السياسة»
BYLINE_MAX_WORDS = 12
WRAP_MAX_CHARS = 160  # a text whose lines are all this short was hard-wrapped
WRAP_MIN_LINES = 5


@dataclass(frozen=True, slots=True)
class Header:
    """What the lines around the article say about it."""

    date: str | None
    source: str | None


def is_ticker(line: str) -> bool:
    """A row of headlines separated by runs of spaces."""
    return len(TICKER_GAP.split(line)) >= 4


def is_furniture(line: str) -> bool:
    """A ticker, an interface string, an image file name or a bare domain."""
    return bool(
        is_ticker(line) or FURNITURE.match(line) or FILE_NAME.match(line) or DOMAIN.match(line)
    )


def is_byline(line: str) -> bool:
    """A short line that states a date: an author/date line, not prose."""
    return len(line.split()) <= BYLINE_MAX_WORDS and find_date(line) is not None


def is_heading(line: str) -> bool:
    """A short line that does not end a sentence and is more than a label."""
    words = len(line.split())
    return LABEL_MAX_WORDS < words <= TITLE_MAX_WORDS and not re.search(r"[.!?؟:،]$", line)


def is_hard_wrapped(lines: list[str]) -> bool:
    """Whether every line is short, as in text wrapped at a fixed width."""
    content = [line for line in lines if line]
    return len(content) >= WRAP_MIN_LINES and max(map(len, content)) <= WRAP_MAX_CHARS


def unwrap(lines: list[str]) -> list[str]:
    """Join wrapped lines back into paragraphs: a line that ends a sentence ends a paragraph."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        if current and (not line or SENTENCE_END.search(line[-1:]) or line.endswith(":")):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def content_lines(text: str) -> list[str]:
    """Non-empty stripped lines (or unwrapped paragraphs), with repeats of a line dropped."""
    lines = [line.strip() for line in text.splitlines()]
    if is_hard_wrapped(lines):
        lines = unwrap(lines)
    seen: set[str] = set()
    kept = []
    for line in lines:
        if line and line not in seen:
            seen.add(line)
            kept.append(line)
    return kept


def read_header(lines: list[str]) -> Header:
    """The date and source stated in furniture or by-lines (not in the prose)."""
    date = next((find_date(line) for line in lines if is_byline(line)), None)
    source = None
    for line in lines:
        found = PUBLISHED_IN.search(line) if is_byline(line) else FOLLOW_SOURCE.match(line)
        if found:
            source = found.group(1)
        elif DOMAIN.match(line):
            source = line
        if source:
            break
    return Header(date, source)


def parse_text(text: str, article_id: str) -> Article:
    """Extract an article from the plain text of a scraped page."""
    lines = content_lines(text)
    header = read_header(lines)
    kept = [
        line
        for line in lines
        if not is_furniture(line) and not is_byline(line) and len(line.split()) > LABEL_MAX_WORDS
    ]
    title_index = next(
        (i for i, line in enumerate(kept[:TITLE_SCAN_LINES]) if is_heading(line)), None
    )
    if title_index is None:  # no heading: the title shown is derived from the text
        title = ""
        body = kept
    else:
        title = kept[title_index]
        body = kept[:title_index] + kept[title_index + 1 :]
    return Article(
        id=article_id,
        title=title,
        body="\n\n".join(body),
        source=header.source,
        date=header.date,
    )
