"""Output for people: Rich on a terminal, plain text in a pipe (JSON: ``searcharc.jsonout``)."""

from __future__ import annotations

from searcharc.analysis import Token
from searcharc.jsonout import hit_dict
from searcharc.progress import Progress
from searcharc.records import Article, Hit, Snippet

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from searcharc.evaluate import Evaluation
    from searcharc.index.indexing import IndexRun
    from searcharc.ingest import Input, Skipped
    from searcharc.search.searcher import SearchResult
    from searcharc.search.stats import IndexStats

HIGHLIGHT_STYLE = "bold yellow"


def _meta_line(hit: Hit) -> str:
    parts = [hit.id, hit.source, hit.date, f"score {hit.score:g}"]
    return " · ".join(p for p in parts if p)


def _summary_line(result: SearchResult) -> str:
    many = f"{result.total:,} articles"
    many = many if result.total_exact else f"at least {many}"
    matched = "1 article matches" if many == "1 articles" else f"{many} match"
    related = f", {result.by_root:,} only by a word of the same root" if result.by_root else ""
    return f"{matched} «{result.query}»{related} ({result.took * 1000:.0f} ms)"


def _suggestion_lines(result: SearchResult) -> list[str]:
    return [f"did you mean «{s.query}»? ({s.total} articles)" for s in result.suggestions]


def plain_result(result: SearchResult, fields: list[str] | None = None) -> str:
    """The hits as plain text: no escape codes, one block a hit (only ``fields`` if given)."""
    lines = [_summary_line(result), *_suggestion_lines(result)]
    for rank, hit in enumerate(result.hits, result.offset + 1):
        if fields:
            data = hit_dict(hit, fields)
            lines.append("\t".join(_plain_value(data[f]) for f in fields if f in data))
            continue
        lines += ["", f"{rank}. {hit.title}", f"   {_meta_line(hit)}"]
        lines += [f"   … {s.text} …" for s in hit.snippets]
    return "\n".join(lines)


def _plain_value(value: object) -> str:
    if isinstance(value, list):
        return " … ".join(s["text"] for s in value)
    return "" if value is None else str(value)


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

    show = console.print
    show(Text(_summary_line(result), style="dim"))
    for line in _suggestion_lines(result):
        show(Text(line, style="italic"))
    for rank, hit in enumerate(result.hits, result.offset + 1):
        console.print()
        show(Text(f"{rank}. ", style="bold") + Text(hit.title, style="bold cyan"))
        show(Text(f"   {_meta_line(hit)}", style="dim"))
        for snippet in hit.snippets:
            show(_rich_snippet(snippet))


def bidi_lines(text: str) -> str:
    """Each line in visual order (python-bidi), for terminals that do not lay out Arabic."""
    from bidi import get_display

    return "\n".join(get_display(line) for line in text.splitlines())


TOKEN_COLUMNS = ("text", "start", "end", "norm", "stem", "stopword")


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


class ConsoleProgress(Progress):
    """A Rich progress bar on stderr (on a terminal) and one-line warnings for skipped inputs."""

    def __init__(self, bar: bool, warn: bool):
        self.bar = None
        self.warn = warn
        self.articles = 0
        self.done = 0  # bytes of the inputs finished
        self.current = 0  # bytes read of the input being read
        if bar:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.task = self.bar.add_task("indexing", total=None, rate="")

    def __enter__(self) -> ConsoleProgress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()

    def start(self, total_bytes: int) -> None:
        if self.bar:
            self.bar.update(self.task, total=total_bytes or None)

    def read(self, count: int) -> None:
        self.current += count
        self._show()

    def indexed(self) -> None:
        self.articles += 1

    def finished(self, item: Input) -> None:
        self.done += item.size or self.current
        self.current = 0
        self._show()

    def _show(self) -> None:
        """The bytes read so far, the articles indexed and their rate (the ETA is Rich's)."""
        if self.bar:
            elapsed = self.bar.tasks[0].elapsed or 0.0
            rate = f"{self.articles / elapsed:,.0f} articles/s" if elapsed > 0 else ""
            self.bar.update(
                self.task,
                completed=self.done + self.current,
                description=f"{self.articles:,} articles",
                rate=rate,
            )

    def skipped(self, skipped: Skipped) -> None:
        if self.warn:
            line = f"searcharc: skipped {skipped.name}: {skipped.reason}"
            if self.bar:
                self.bar.console.print(line, markup=False, highlight=False)
            else:
                import sys

                print(line, file=sys.stderr)


def plain_index_summary(run: IndexRun, target: Path, verbose: bool) -> str:
    """What an index run did, in a line (and the skipped inputs under --verbose)."""
    c = run.changes
    line = (
        f"{target}: {c.added} added, {c.updated} updated, {c.unchanged} unchanged, "
        f"{c.removed} removed, {len(c.duplicates)} duplicates, {len(run.skipped)} skipped "
        f"({run.seconds:.1f} s)"
    )
    if run.interrupted:
        kept = "nothing changed" if not (c.added or c.updated) else "the work above was kept"
        line = f"interrupted: {kept}; run again to finish. {line}"
    lines = [line]
    if verbose:
        lines += [f"  skipped {s.name}: {s.reason}" for s in run.skipped]
        lines += [f"  duplicate {i} (same as {t})" for i, t in c.duplicates]
    return "\n".join(lines)


def _article_meta(article: Article) -> str:
    return " · ".join(p for p in (article.id, article.source, article.date, article.url) if p)


def plain_article(article: Article) -> str:
    return f"{article.title}\n{_article_meta(article)}\n\n{article.body}"


def print_rich_article(article: Article, spans: list[tuple[int, int]], console: Console) -> None:
    from rich.text import Text

    console.print(Text(article.title, style="bold cyan"))
    console.print(Text(_article_meta(article), style="dim"))
    body = Text(article.body)
    for start, end in spans:
        body.stylize(HIGHLIGHT_STYLE, start, end)
    console.print()
    console.print(body)


def plain_stats(stats: IndexStats) -> str:
    """`searcharc stats` as aligned text."""
    lines = [
        f"index            {stats.path}",
        f"documents        {stats.documents:,}",
        f"distinct words   {stats.distinct_words:,}",
        f"distinct stems   {stats.distinct_stems:,}",
        f"size on disk     {stats.size_bytes / 1e6:,.1f} MB",
        f"vectors          {stats.vectors:,} articles, {stats.vector_bytes / 1e6:,.1f} MB "
        "(searcharc embed)",
        f"last update      {stats.last_update or '-'}",
        f"analyzer         version {stats.analyzer_version}, stemmer {stats.stemmer}",
        "by source",
        *(f"  {count:>8,}  {name}" for name, count in stats.by_source.items()),
        "by month",
        *(f"  {count:>8,}  {month}" for month, count in stats.by_month.items()),
    ]
    return "\n".join(lines)


def plain_evaluation(result: Evaluation) -> str:
    """The measures, one a line, and which questions were scored."""
    lines = [f"{name:8} {value:.4f}" for name, value in result.measures.items()]
    lines.append(f"{result.questions} questions scored, {result.left_out} with no answer left out")
    return "\n".join(lines)
