"""Make each of issue 15's one-line bugs on purpose and check that a test now fails (by hand).

Also the mutmut survivors that only a test in a child process can catch (tools/mutation.md).

    .venv/bin/python tools/deliberate_bugs.py [NAME ...]

Each bug is one textual edit of one file, the tests expected to catch it are run with the edit in
place, and the file is restored whatever happens. It prints one line a bug: caught (with the
failing tests) or MISSED. Exit status 1 when any bug is missed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Bug:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]  # pytest node ids or files to run with the bug in place


BUGS = [
    Bug(
        "k1 0.9 -> 1.2",
        "searcharc/search/ranking.py",
        "k1: float = 0.9",
        "k1: float = 1.2",
        ("tests/test_ranking_oracles.py",),
    ),
    Bug(
        "title boost 2 -> 1",
        "searcharc/search/ranking.py",
        "title_boost: float = 2.0",
        "title_boost: float = 1.0",
        ("tests/test_ranking_oracles.py",),
    ),
    Bug(
        "exact-form boost 0.5 -> 0",
        "searcharc/search/ranking.py",
        "exact_boost: float = 0.5",
        "exact_boost: float = 0.0",
        ("tests/test_ranking_oracles.py",),
    ),
    Bug(
        "--since and --until swapped",
        "searcharc/options.py",
        '"since": parse_date(o.since),\n        "until": parse_date(o.until),',
        '"since": parse_date(o.until),\n        "until": parse_date(o.since),',
        ("tests/test_cli_promises.py",),
    ),
    Bug(
        "--batch exits 0 when nothing is found",
        "searcharc/cli/commands.py",
        "return 2 if failed else 0 if found else 1",
        "return 2 if failed else 0",
        ("tests/test_cli_promises.py",),
    ),
    Bug(
        "colour output without the match highlighting",
        "searcharc/cli/render.py",
        "in snippet.highlights:\n        body.stylize(HIGHLIGHT_STYLE, start, end)",
        "in snippet.highlights:\n        pass",
        ("tests/test_cli_promises.py",),
    ),
    Bug(
        "content hash ignores the title",
        "searcharc/index/store.py",
        "fields = [article.title, article.body,",
        "fields = [article.body,",
        ("tests/test_cli_promises.py",),
    ),
    Bug(
        "--prune deletes the articles of an input skipped this run",
        "searcharc/index/indexing.py",
        "if known.origin not in unreadable:",
        "if True:",
        ("tests/test_cli_promises.py",),
    ),
    Bug(
        "the HTML page's date dropped",
        "searcharc/ingest/webpage.py",
        "date=publication_date(facts, url) or guessed(doc.date),",
        "date=None,",
        ("tests/test_cli_promises.py",),
    ),
    Bug(
        "control characters accepted",
        "searcharc/ingest/decode.py",
        'raise DecodeError("control characters: not text")',
        "pass",
        ("tests/test_cli_promises.py",),
    ),
    Bug(
        "--rebuild ignored",
        "searcharc/cli/app.py",
        "rebuild=rebuild,",
        "rebuild=False,",
        ("tests/test_cli_promises.py",),
    ),
    Bug(
        "U+0610-U+061A no longer removed",
        "searcharc/analysis/normalize.py",
        "[chr(c) for c in range(0x0610, 0x061B)]\n    + ",
        "",
        ("tests/test_stem_table.py",),
    ),
    Bug(
        "short-suffix guard 3 -> 2",
        "searcharc/analysis/stem.py",
        "MIN_AFTER_SHORT_SUFFIX = 3",
        "MIN_AFTER_SHORT_SUFFIX = 2",
        ("tests/test_stem_table.py",),
    ),
    Bug(
        "a lexicon entry deleted (فرنسا)",
        "searcharc/analysis/stem.py",
        '    "فرنسا": "فرنسا",\n',
        "",
        ("tests/test_stem_table.py",),
    ),
    Bug(
        "overlapping snippet windows allowed",
        "searcharc/search/snippets.py",
        "if all(window.end <= c.start or window.start >= c.end for c in chosen):",
        "if True:",
        ("tests/test_snippet_windows.py",),
    ),
    Bug(
        "the worst snippet window first",
        "searcharc/search/snippets.py",
        "key=lambda w: w.score, reverse=True",
        "key=lambda w: w.score",
        ("tests/test_snippet_windows.py",),
    ),
    Bug(
        "word~9 clamped instead of refused",
        "searcharc/search/query.py",
        "    edits = int(distance or 1)\n    if not 1 <= edits <= MAX_FUZZY:\n",
        "    edits = min(int(distance or 1), MAX_FUZZY)\n    if not 1 <= edits <= MAX_FUZZY:\n",
        ("tests/test_query.py",),
    ),
    Bug(
        "a one-letter prefix accepted",
        "searcharc/search/query.py",
        "MIN_PREFIX = 2",
        "MIN_PREFIX = 1",
        ("tests/test_query.py",),
    ),
    Bug(
        "malformed queries: a refused one read as a search (lax test)",
        "searcharc/search/query.py",
        'raise SearcharcError(f"date: takes one date, not a group: {DATE_HINT}")',
        "return None",
        ("tests/test_query.py",),
    ),
    Bug(
        "an exit-2 test passing on a crash",
        "searcharc/options.py",
        'raise SearcharcError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None',
        "raise TypeError(text)",
        ("tests/test_cli_promises.py",),
    ),
    # mutmut survivors that only a test in a child process catches (mutmut does not follow it)
    Bug(
        "child process: Whoosh's cached_property package imported (asyncio), not the stand-in",
        "searcharc/cli/launch.py",
        'sys.modules.setdefault("cached_property", module)',
        'sys.modules.setdefault("CACHED_PROPERTY", module)',
        ("tests/test_startup.py::test_a_plain_query_does_not_import_typer_or_rich",),
    ),
    Bug(
        "child process: a stand-in without cached_property",
        "searcharc/cli/launch.py",
        "module.cached_property = functools.cached_property",
        "module.cached_property = None",
        ("tests/test_startup.py::test_a_plain_query_does_not_import_typer_or_rich",),
    ),
    Bug(
        "child process: no stand-in, and no package either",
        "searcharc/cli/launch.py",
        'sys.modules.setdefault("cached_property", module)',
        'sys.modules.setdefault("cached_property", None)',
        ("tests/test_startup.py::test_a_plain_query_does_not_import_typer_or_rich",),
    ),
    Bug(
        "child process: --batch --output in the locale's encoding",
        "searcharc/cli/commands.py",
        'output.open("w", encoding="utf-8")',
        'output.open("w")',
        ("tests/test_cli_edges.py::test_batch_output_is_utf_8_whatever_the_locale",),
    ),
]


def failing_tests(bug: Bug) -> list[str]:
    """Run the bug's tests with the bug in place; the ids of the tests that failed."""
    path = ROOT / bug.path
    original = path.read_text("utf-8")
    if original.count(bug.old) != 1:
        raise SystemExit(f"{bug.name}: the text to change is not found once in {bug.path}")
    try:
        path.write_text(original.replace(bug.old, bug.new), "utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *bug.tests],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        path.write_text(original, "utf-8")
    if proc.returncode not in (0, 1):  # not a test failure: a usage or collection error
        raise SystemExit(f"{bug.name}: pytest exit {proc.returncode}\n{proc.stdout[-2000:]}")
    return re.findall(r"^FAILED (\S+)", proc.stdout, re.M)


def main(names: list[str]) -> int:
    missed = 0
    for bug in BUGS:
        if names and not any(n in bug.name for n in names):
            continue
        failed = failing_tests(bug)
        missed += not failed
        print(f"{'caught' if failed else 'MISSED'}\t{bug.name}\t{' '.join(failed)}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
