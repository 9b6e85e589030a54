"""Output for people (Rich on a terminal, plain text in a pipe) and for scripts (JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from searcharc.analysis import Token
from searcharc.records import Hit, Snippet

if TYPE_CHECKING:
    from rich.console import Console

    from searcharc.search import SearchResult

HIGHLIGHT_STYLE = "bold yellow"


def result_dict(result: SearchResult) -> dict:
    """The documented JSON object: {query, total, hits: [{id, title, score, date, source, ...}]}."""
    return {"query": result.query, "total": result.total, "hits": [asdict(h) for h in result.hits]}


def to_json(data: object) -> str:
    """Compact UTF-8 JSON (Arabic kept readable, not \\u-escaped)."""
    return json.dumps(data, ensure_ascii=False)


def _meta_line(hit: Hit) -> str:
    parts = [hit.id, hit.source, hit.date, f"score {hit.score:g}"]
    return " · ".join(p for p in parts if p)


def _summary_line(result: SearchResult) -> str:
    return f"{result.total} articles match «{result.query}» ({result.took * 1000:.0f} ms)"


def plain_result(result: SearchResult) -> str:
    """The hits as plain text: no escape codes, one block a hit."""
    lines = [_summary_line(result)]
    for rank, hit in enumerate(result.hits, 1):
        lines += ["", f"{rank}. {hit.title}", f"   {_meta_line(hit)}"]
        lines += [f"   … {s.text} …" for s in hit.snippets]
    return "\n".join(lines)


def _rich_snippet(snippet: Snippet):
    from rich.text import Text

    text = Text("   … ")
    body = Text(snippet.text)
    for start, end in snippet.highlights:
        body.stylize(HIGHLIGHT_STYLE, start, end)
    return text + body + Text(" …")


def print_rich_result(result: SearchResult, console: Console) -> None:
    """The hits with Rich styles: numbered titles, dim metadata, highlighted matches."""
    from rich.text import Text

    console.print(Text(_summary_line(result), style="dim"))
    for rank, hit in enumerate(result.hits, 1):
        console.print()
        console.print(Text(f"{rank}. ", style="bold") + Text(hit.title, style="bold cyan"))
        console.print(Text(f"   {_meta_line(hit)}", style="dim"))
        for snippet in hit.snippets:
            console.print(_rich_snippet(snippet))


TOKEN_COLUMNS = ("text", "start", "end", "norm", "stem", "stopword")


def tokens_dicts(tokens: list[Token]) -> list[dict]:
    """Tokens as JSON-ready dicts."""
    return [asdict(t) for t in tokens]


def plain_tokens(tokens: list[Token]) -> str:
    """One tab-separated line a token, with a header."""
    rows = ["\t".join(TOKEN_COLUMNS)]
    rows += ["\t".join(str(getattr(t, c)) for c in TOKEN_COLUMNS) for t in tokens]
    return "\n".join(rows)


def print_rich_tokens(tokens: list[Token], console: Console) -> None:
    """A table of tokens: original span and offsets, normalized form, stem, stopword."""
    from rich.table import Table

    table = Table("#", "text", "start", "end", "normalized", "stem", "stopword")
    for t in tokens:
        table.add_row(
            str(t.position),
            t.text,
            str(t.start),
            str(t.end),
            t.norm,
            t.stem,
            "yes" if t.stopword else "",
        )
    console.print(table)
