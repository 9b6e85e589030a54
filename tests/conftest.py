"""Shared fixtures: the seed articles and an index built from them once per session."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
# the seed articles' ids
S000, S001, S002, S003, S004 = (
    "000_934a0f4bb6c41b95.txt",
    "001_1866c231c26ecbf0.txt",
    "002_966b79832bdd0695.txt",
    "003_c640824398eaae79.txt",
    "004_d806f188987e83e7.txt",
)


def run_cli(
    *args: str, cwd: Path = ROOT, env: dict | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """`searcharc ARGS` in a fresh process, as a user runs it."""
    if os.environ.get("SEARCHARC_TESTS_IN_PROCESS"):  # tools/mutation.py: mutmut sees this one
        return _run_here(list(args), cwd, env or {}, stdin)
    return subprocess.run(
        [sys.executable, "-m", "searcharc", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def _run_here(
    args: list[str], cwd: Path, env: dict, stdin: str | None
) -> subprocess.CompletedProcess:
    """`searcharc ARGS` through the entry point in this process, for mutation testing."""
    import contextlib
    import io

    from searcharc.cli.launch import main

    out, err = io.StringIO(), io.StringIO()
    stdin_stream = io.TextIOWrapper(io.BytesIO((stdin or "").encode()), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(sys, "argv", ["searcharc", *args])
        patch.setattr(sys, "stdin", stdin_stream)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code or 0
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def run_in_process(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """`searcharc ARGS` through the real entry point in this process: (status, stdout, stderr)."""
    from searcharc.cli.app import main

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["searcharc", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def index_of(path: Path, bodies: dict[str, str]):
    """A new index at ``path`` of untitled articles: id → body."""
    from searcharc import SearchIndex
    from searcharc.records import Article

    found = SearchIndex.create(path)
    found.add(Article(id=key, title="", body=body) for key, body in bodies.items())
    return found


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def words(seeds_dir) -> list[str]:
    """The seed articles' words as they write them, in order, repeats kept (for generated
    articles and queries)."""
    from searcharc.analysis.tokenize import spans
    from searcharc.ingest import read_articles

    found = []
    for article in read_articles(seeds_dir):
        text = f"{article.title}\n{article.body}"
        found += [text[s:e] for s, e in spans(text)]
    return found


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the seed articles, built once and shared read-only."""
    from searcharc.index.indexing import run_index

    target = tmp_path_factory.mktemp("index")
    run_index([SEEDS], target)
    return target


@pytest.fixture(scope="session")
def seed_index(seed_index_dir: Path):
    from searcharc import SearchIndex

    return SearchIndex.open(seed_index_dir)


@contextmanager
def served(index_dir: Path, *args: str) -> Iterator[str]:
    """`searcharc serve --port 0` on ``index_dir`` in a child process: yields its address."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "searcharc",
            "serve",
            "--index",
            str(index_dir),
            "--port",
            "0",
            *args,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else ""
        found = re.search(r"http://\S+/", line)
        assert found, f"no address printed: {line!r} {proc.stderr.read() if proc.poll() else ''}"
        yield found.group(0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def one_line(err: str) -> str:
    """The one line of stderr, checked to be one searcharc error and no internal one."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("searcharc: "), err
    assert "internal error" not in err and "Traceback" not in err, err
    return lines[0]
