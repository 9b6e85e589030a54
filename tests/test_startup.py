"""Start-up cost: commands that need no index must not import Whoosh (or Rich, or trafilatura)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
sys.argv = ["searcharc", *{args!r}]
from searcharc.cli import main
try:
    main()
except SystemExit:
    pass
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"whoosh", "trafilatura", "charset_normalizer", "bidi"}})
print("HEAVY", ",".join(heavy))
"""


def heavy_modules(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=list(args))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = next(line for line in proc.stdout.splitlines() if line.startswith("HEAVY"))
    return set(filter(None, line.split(" ", 1)[1].split(",")))


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["query", "--help"], ["analyze", "كتاب", "--json"]]
)
def test_commands_without_an_index_do_not_import_whoosh(args):
    assert heavy_modules(*args) == set()


def test_a_query_imports_whoosh_but_not_the_ingest_libraries(seed_index_dir):
    assert heavy_modules("query", "الإرهاب", "--index", str(seed_index_dir)) == {"whoosh"}
