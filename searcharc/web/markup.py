"""What the pages' templates call: highlighted pieces, page links, narrowed queries, URLs."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def marked(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at the [start, end) spans: (piece, highlighted?) in order."""
    pieces, at = [], 0
    for start, end in sorted(spans):
        if start < at:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def page_numbers(current: int, last: int, around: int = 2) -> list[int]:
    """The page links to show: the first, the last, and those near the current one."""
    near = range(max(1, current - around), min(last, current + around) + 1)
    return sorted({1, last, *near}) if last else []


def narrowed(q: str, field: str, value: str) -> str:
    """The query narrowed to one source (a phrase) or one year."""
    term = f'{field}:"{value.replace(chr(34), " ")}"' if field == "source" else f"{field}:{value}"
    return f"{q} {term}"


def article_url(article_id: str, q: str = "") -> str:
    """The article's page (its id quoted whole, slashes too), highlighting ``q``."""
    path = "/articles/" + quote(article_id, safe="")
    return f"{path}?{urlencode({'q': q})}" if q else path


def web_url(url: str | None) -> str | None:
    """An article's URL if it is a web address (never javascript: and the like)."""
    return url if url and url.lower().startswith(("http://", "https://")) else None
