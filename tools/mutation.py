"""Mutation testing of the modules that must not break quietly, one group at a time (by hand).

    .venv/bin/pip install -e '.[mutation]'
    .venv/bin/python tools/mutation.py [GROUP ...] [--minutes N] [--children N]

mutmut 3 makes small changes to the code (an operator, a constant, a string, a dropped call) and
runs, for each, only the tests that reach the changed function; a change no test notices
"survives". Each group mutates a few modules against the tests written for them, in a scratch
copy of the project (so that this checkout's pyproject.toml and tree stay as they are), within
a time box. It prints, per module, the killed, survived, timed-out and untested mutants and
the score (killed and timed out over killed, survived and reached by no test; mutants the time
box left unchecked are not counted), and writes the survivors' diffs to
``survivors.txt`` in the scratch copy, for review. The survivors judged equivalent (no behaviour
can tell them apart) are listed with their reasons in tools/mutation.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# group → (modules to mutate, the tests that exercise them)
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "analysis": (
        ["searcharc/analysis/normalize.py", "searcharc/analysis/stem.py"],
        ["tests/test_stem_table.py", "tests/test_analysis.py", "tests/test_clitic_variants.py"],
    ),
    "query": (["searcharc/search/query.py"], ["tests/test_query.py", "tests/test_query_tree.py"]),
    "snippets": (
        ["searcharc/search/snippets.py"],
        ["tests/test_snippet_windows.py", "tests/test_search.py"],
    ),
    "ranking": (
        [
            "searcharc/search/ranking.py",
            "searcharc/search/proximity.py",
            "searcharc/search/blend.py",
        ],
        [
            "tests/test_ranking_oracles.py",
            "tests/test_proximity.py",
            "tests/test_bulk.py",
            "tests/test_clitic_variants.py",
        ],
    ),
    "indexing": (
        ["searcharc/index/indexing.py", "searcharc/ingest/decode.py"],
        [
            "tests/test_cli_promises.py",
            "tests/test_indexing.py",
            "tests/test_ingest.py",
            "tests/test_decode.py",
            # --memory and --optimize: the segments a run writes
            "tests/test_segments.py::test_a_memory_budget_writes_segments_that_hold_the_same_index",
            "tests/test_segments.py::test_optimize_merges_every_segment",
        ],
    ),
    "cli": (
        ["searcharc/cli/commands.py", "searcharc/cli/launch.py"],
        [
            "tests/test_cli_promises.py",
            "tests/test_cli.py",
            "tests/test_output.py",
            "tests/test_startup.py",
            "tests/test_launch_fast_path.py",
            "tests/test_cli_edges.py",
        ],
    ),
}
COPIED = ("searcharc", "tests", "README.md", "pyproject.toml")


def mutmut_config(modules: list[str], tests: list[str]) -> str:
    """The [tool.mutmut] section for one group."""
    quoted = ", ".join(json.dumps(m) for m in modules)
    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["searcharc"]\n'
        f"only_mutate = [{quoted}]\n"
        f"pytest_add_cli_args_test_selection = [{', '.join(json.dumps(t) for t in tests)}]\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:randomly"]\n'
        'also_copy = ["README.md"]\n'
        "mutate_only_covered_lines = false\n"
    )


def scratch_copy(modules: list[str], tests: list[str]) -> Path:
    work = Path(tempfile.mkdtemp(prefix="searcharc-mutation-"))
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, work / name)
    # the seeds only where mutmut runs the tests (mutants/), so that a mutant reading the seeds
    # from the wrong folder finds none there, as it would in a checkout
    shutil.copytree(ROOT / "seeds", work / "mutants" / "seeds")
    with (work / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(mutmut_config(modules, tests))
    return work


def results(work: Path) -> dict[str, str]:
    """Every mutant's name → its status, from mutmut's per-file meta files."""
    from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

    found: dict[str, str] = {}
    for meta in (work / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text("utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            found[name] = status_by_exit_code[code]
    return found


def module_of(mutant: str) -> str:
    """``searcharc.query.x_parse__mutmut_3`` → ``searcharc/query.py``."""
    dotted = mutant.split(".x_")[0].split(".xǁ")[0]
    return dotted.replace(".", "/") + ".py"


def report(group: str, found: dict[str, str], work: Path, env: dict[str, str]) -> None:
    by_module: dict[str, Counter] = {}
    for name, status in found.items():
        by_module.setdefault(module_of(name), Counter())[status] += 1
    for module, counts in sorted(by_module.items()):
        caught = counts["killed"] + counts["timeout"] + counts["caught by type check"]
        judged = caught + counts["survived"] + counts["no tests"]  # no test reached: not killed
        score = f"{caught / judged:.1%}" if judged else "n/a"
        detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(f"{group}\t{module}\t{score} killed of {judged}\t({detail})", flush=True)
    survivors = sorted(n for n, s in found.items() if s == "survived")
    show = (
        "import sys\n"
        "from mutmut.__main__ import find_mutant\n"
        "from mutmut.mutation.diff_apply import get_diff_for_mutant\n"
        "for name in sys.argv[1:]:\n"
        "    print(f'## {name}'); print(get_diff_for_mutant(name, path=find_mutant(name).path))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", show, *survivors], cwd=work, capture_output=True, text=True, env=env
    )
    (work / "survivors.txt").write_text(proc.stdout + proc.stderr, "utf-8")
    print(f"{group}: {len(survivors)} survivors' diffs in {work / 'survivors.txt'}", flush=True)


def run_group(group: str, minutes: float, children: int) -> None:
    modules, tests = GROUPS[group]
    tests = [t for t in tests if (ROOT / t.split("::")[0]).exists()]  # an older checkout has fewer
    work = scratch_copy(modules, tests)
    # the tests' `searcharc` commands run in the test process, where mutmut sees what they reach
    env = {k: v for k, v in os.environ.items() if k != "SEARCHARC_DATA"} | {
        "PYTHONDONTWRITEBYTECODE": "1",
        "SEARCHARC_TESTS_IN_PROCESS": "1",
    }
    started = time.monotonic()
    try:
        subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(children)],
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=minutes * 60,
        )
        finished = "finished"
    except subprocess.TimeoutExpired:
        finished = f"stopped at the {minutes:g}-minute time box"
    print(f"{group}: mutmut {finished} in {time.monotonic() - started:.0f} s ({work})", flush=True)
    report(group, results(work), work, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", choices=[[], *GROUPS], default=[])
    parser.add_argument("--minutes", type=float, default=10.0, help="time box of each group")
    parser.add_argument("--children", type=int, default=2, help="mutants tested at once")
    args = parser.parse_args()
    for group in args.groups or list(GROUPS):
        run_group(group, args.minutes, args.children)
    return 0


if __name__ == "__main__":
    sys.exit(main())
