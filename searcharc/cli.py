"""The `searcharc` command: a thin Typer layer over ``searcharc.SearchIndex``.

Heavy modules (Whoosh, Rich) are imported inside the commands that need them, so that
`searcharc --help` and `--version` start fast.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from searcharc import __version__
from searcharc.errors import SearcharcError

app = typer.Typer(
    name="searcharc",
    help="Arabic-aware full-text search for news archives.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


IndexOption = Annotated[
    Path | None,
    typer.Option(
        "--index",
        help="Index folder [default: $SEARCHARC_INDEX, else ./index].",
        show_default=False,
    ),
]
ColorOption = Annotated[Color, typer.Option(help="Styles: on a terminal only, always or never.")]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object on stdout, for scripts.")]


def index_path(option: Path | None) -> Path:
    """--index, else $SEARCHARC_INDEX, else ./index."""
    return option or Path(os.environ.get("SEARCHARC_INDEX") or "index")


def seeds_path() -> Path:
    """The seed articles: ./seeds, else the seeds/ beside the package (a source checkout)."""
    local = Path("seeds")
    return local if local.is_dir() else Path(__file__).resolve().parents[1] / "seeds"


def use_color(color: Color) -> bool:
    if color is Color.auto:
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return color is Color.always


def rich_console():
    """A Rich console that styles even when stdout is not a terminal (for --color always)."""
    from rich.console import Console

    return Console(highlight=False, force_terminal=True)


def echo_err(message: str) -> None:
    print(message, file=sys.stderr)


def _version(value: bool) -> None:
    if value:
        print(f"searcharc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Arabic-aware full-text search for news archives."""


@app.command("index")
def index_command(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Folders or files to index [default: seeds/].")
    ] = None,
    index: IndexOption = None,
    rebuild: Annotated[bool, typer.Option(help="Start from an empty index.")] = False,
) -> None:
    """Build or update the index from article files (the seed articles by default)."""
    from searcharc.indexing import index_paths

    target = index_path(index)
    summary = index_paths(paths or [seeds_path()], target, rebuild=rebuild)
    echo_err(
        f"{target}: {summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged"
    )


@app.command("query")
def query_command(
    text: Annotated[str, typer.Argument(help="Words to find, e.g. «مكافحة الإرهاب».")],
    limit: Annotated[int, typer.Option(min=1, help="Hits to show.")] = 10,
    index: IndexOption = None,
    json_out: JsonOption = False,
    color: ColorOption = Color.auto,
) -> None:
    """Search the index; exit 0 when something is found, 1 when nothing is, 2 on error."""
    from searcharc import render
    from searcharc.indexing import open_or_build

    search_index = open_or_build(index_path(index), seeds_path(), notify=echo_err)
    result = search_index.search(text, limit=limit)
    if json_out:
        print(render.to_json(render.result_dict(result)))
    elif use_color(color):
        render.print_rich_result(result, rich_console())
    else:
        print(render.plain_result(result))
    raise typer.Exit(0 if result.hits else 1)


@app.command("analyze")
def analyze_command(
    text: Annotated[str, typer.Argument(help="Text to analyze.")],
    stemmer: Annotated[str, typer.Option(help="light, snowball or none.")] = "light",
    json_out: JsonOption = False,
    color: ColorOption = Color.auto,
) -> None:
    """Show how text is analyzed: each word's span, offsets, normal form, stem, stopword flag."""
    from searcharc import render
    from searcharc.analysis import analyze

    try:
        tokens = analyze(text, stemmer)
    except ValueError as exc:
        raise SearcharcError(str(exc)) from exc
    if json_out:
        print(render.to_json(render.tokens_dicts(tokens)))
    elif use_color(color):
        render.print_rich_tokens(tokens, rich_console())
    else:
        print(render.plain_tokens(tokens))


def main() -> None:
    """Entry point: one-line errors with exit status 2, never a traceback."""
    try:
        app()
    except SearcharcError as exc:
        echo_err(f"searcharc: {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        echo_err("searcharc: interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: still one line, and a way to report it
        echo_err(f"searcharc: internal error: {type(exc).__name__}: {exc}")
        sys.exit(2)
