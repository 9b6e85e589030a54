"""Shell completion, Typer's own, through the real mechanism: bash sourcing the script that
`searcharc --show-completion bash` prints and calling its function as a Tab does; zsh and fish
by the environment their scripts set (neither shell is installed here)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SEARCHARC = BIN / "searcharc"

pytestmark = pytest.mark.skipif(not SEARCHARC.exists(), reason="searcharc is not installed here")


def bash_tab(words: list[str], cwd: Path) -> list[str]:
    """What Tab offers in bash after ``words`` (the last one being typed)."""
    # From bash, as a user asks (and bash the parent: `; exit` keeps it from exec'ing the
    # command): with shellingham, which Typer depends on, the option is a flag and the shell
    # is found among the parent processes, which a test run may not have (CI's detached jobs)
    shown = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", f"'{SEARCHARC}' --show-completion bash; exit $?"],
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    script = shown.stdout
    assert "complete -o default -F _searcharc_completion searcharc" in script
    typed = " ".join(f"'{w}'" for w in words)
    program = f'{script}\nCOMP_WORDS=({typed}); COMP_CWORD={len(words) - 1}\n_searcharc_completion searcharc\nprintf "%s\\n" "${{COMPREPLY[@]}}"\n'
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        timeout=60,
    )
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return [line for line in proc.stdout.splitlines() if line]


def typer_answer(shell: str, line: str, cwd: Path) -> str:
    """What searcharc answers the zsh or fish script for the command line ``line``."""
    env = {**os.environ, "_SEARCHARC_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line}
    if shell == "fish":
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    proc = subprocess.run([str(SEARCHARC)], capture_output=True, text=True, cwd=cwd, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def folders(tmp_path_factory, seed_index_dir: Path) -> Path:
    """news/ (an index), archive/2015/ (an index one level down), notes/ (no index)."""
    root = tmp_path_factory.mktemp("completion")
    shutil.copytree(seed_index_dir, root / "news")
    (root / "archive").mkdir()
    shutil.copytree(seed_index_dir, root / "archive" / "2015")
    (root / "notes").mkdir()
    (root / "notes" / "todo.txt").write_text("x", "utf-8")
    return root


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completes_commands_choices_and_index_folders(folders):
    assert bash_tab(["searcharc", "se"], folders) == ["serve"]
    assert bash_tab(["searcharc", "query", "x", "--sort", ""], folders) == ["score", "date"]
    assert bash_tab(["searcharc", "trend", "x", "--by", ""], folders) == [
        "day",
        "week",
        "month",
        "year",
    ]
    assert sorted(bash_tab(["searcharc", "query", "--index", ""], folders)) == [
        "archive/2015",
        "news",
    ]
    assert bash_tab(["searcharc", "stats", "--index", "no"], folders) == ["notes/"]


def test_zsh_and_fish_complete_with_descriptions(folders):
    zsh = typer_answer("zsh", "searcharc query x --sort ", folders)
    assert '"score"' in zsh and '"date"' in zsh
    fish = typer_answer("fish", f"searcharc serve --index {folders}/", folders)
    assert sorted(fish.splitlines()) == [
        f"{folders}/archive/2015\ta searcharc index",
        f"{folders}/news\ta searcharc index",
    ]
