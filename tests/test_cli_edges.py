"""The command line where a user rarely looks: a terminal (colour, bidi), Ctrl-C, a crash, a
reader that goes away, a full disk, --batch's refusals and unreadable files, and the seeds the
first query builds from. In this process where it can be (so that tools/mutation.py's mutmut
sees what they reach)."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest
from conftest import S002, S003, run_cli, run_in_process

import searcharc
from searcharc.cli import launch
from searcharc.search.searcher import SearchIndex

ESC = "\x1b"
BATCH_FORMAT_ERROR = "searcharc: --batch writes a TREC run, or JSON lines with --jsonl\n"


class Terminal(io.StringIO):
    """A standard output that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def on_a_terminal(capsys, *args: str, env: dict[str, str]) -> str:
    """`searcharc ARGS` with its standard output on a terminal: what it wrote there."""
    screen = Terminal()
    with pytest.MonkeyPatch.context() as patch:
        for name in ("NO_COLOR", "SEARCHARC_BIDI"):
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(sys, "stdout", screen)
        code, _, err = run_in_process(capsys, *args)
    assert code == 0, err
    return screen.getvalue()


def styled(text: str, word: str) -> bool:
    """``word`` in ``text`` right after an escape sequence that turns a style on."""
    return re.search(f"{ESC}\\[[0-9;]*[1-9][0-9;]*m{word}", text) is not None


@pytest.mark.slow
def test_a_terminal_gets_colour_unless_no_color_is_set_or_never_is_asked(seed_index_dir, capsys):
    args = ("query", "بلينكن", "--index", str(seed_index_dir))
    assert styled(on_a_terminal(capsys, *args, env={}), "بلينكن")
    for out in (
        on_a_terminal(capsys, *args, env={"NO_COLOR": "1"}),
        on_a_terminal(capsys, *args, "--color", "never", env={}),
    ):
        assert ESC not in out and S002 in out and "بلينكن" in out


def test_fields_on_a_terminal_or_with_color_always_print_only_those_fields(seed_index_dir, capsys):
    args = ("query", "بلينكن", "--index", str(seed_index_dir), "--fields", "id,date")
    code, piped, _ = run_in_process(capsys, *args)
    assert code == 0 and piped.endswith(f"\n{S002}\t\n")  # the id, and no date
    code, always, _ = run_in_process(capsys, *args, "--color", "always")
    assert without_timing(always) == without_timing(piped)
    assert without_timing(on_a_terminal(capsys, *args, env={})) == without_timing(piped)


def without_timing(text: str) -> str:
    return re.sub(r"\(\d+ ms\)", "(… ms)", text)


def visual(text: str) -> str:
    """Each line in visual order, by python-bidi itself."""
    from bidi import get_display

    return "".join(get_display(line) + "\n" for line in text.splitlines())


@pytest.mark.parametrize(
    ("option", "env", "reordered"),
    [
        (["--bidi", "on"], {}, True),
        ([], {"SEARCHARC_BIDI": "1"}, True),
        (["--bidi", "off"], {"SEARCHARC_BIDI": "1"}, False),
        ([], {"SEARCHARC_BIDI": "0"}, False),
        ([], {}, False),
    ],
)
def test_bidi_puts_a_terminals_lines_in_visual_order(
    seed_index_dir, capsys, option, env, reordered
):
    args = ("query", "بلينكن", "--index", str(seed_index_dir), "--fields", "id,title")
    code, piped, _ = run_in_process(capsys, *args)
    assert code == 0 and "بلينكن" in piped
    out = on_a_terminal(capsys, *args, *option, env={"NO_COLOR": "1", **env})
    assert without_timing(out) == without_timing(visual(piped) if reordered else piped)
    assert ("نكنيلب" in out) is reordered  # بلينكن, right to left


def entry_point(capsys, *args: str) -> tuple[int, str, str]:
    """`searcharc ARGS` through launch.main (the fast path for a plain query)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["searcharc", *args])
        with pytest.raises(SystemExit) as exited:
            launch.main()
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


@pytest.mark.parametrize(
    ("raised", "status", "line"),
    [
        (KeyboardInterrupt(), 130, "searcharc: interrupted\n"),
        (RuntimeError("boom"), 2, "searcharc: internal error: RuntimeError: boom\n"),
    ],
)
def test_ctrl_c_and_a_crash_are_one_line_with_their_status(
    seed_index_dir, capsys, monkeypatch, raised, status, line
):
    def search(*args, **kwargs):
        raise raised

    monkeypatch.setattr(SearchIndex, "search", search)
    code, out, err = entry_point(capsys, "query", "بلينكن", "--index", str(seed_index_dir))
    assert (code, out, err) == (status, "", line)


@pytest.mark.parametrize("batch", [False, True])
def test_a_reader_that_goes_away_ends_the_query_quietly_with_status_141(
    seed_index_dir, tmp_path, capsys, batch
):
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head` has exited
    pipe = open(write_end, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    query = ["--batch", batch_file(tmp_path)] if batch else ["بلينكن"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", pipe)
        code, _, err = entry_point(capsys, "query", *query, "--index", str(seed_index_dir))
    assert (code, err) == (141, "")
    pipe.write("what the interpreter flushes at exit\n")
    pipe.close()  # goes nowhere now, without a second BrokenPipeError


def batch_file(folder: Path, text: str = "1\tالأمن\n") -> str:
    path = folder / "queries.tsv"
    path.write_text(text, "utf-8")
    return str(path)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_under_batch_output_is_one_line_exit_2(seed_index_dir, tmp_path, capsys):
    code, out, err = run_in_process(
        capsys, "query", "--batch", batch_file(tmp_path), "--output", "/dev/full",
        "--index", str(seed_index_dir),
    )  # fmt: skip
    assert (code, out, err) == (2, "", "searcharc: /dev/full: No space left on device\n")


@pytest.mark.parametrize("option", [["--json"], ["--ids"], ["--fields", "id"]])
def test_batch_refuses_the_other_output_formats(seed_index_dir, tmp_path, capsys, option):
    queries = batch_file(tmp_path)
    at = ("--index", str(seed_index_dir))
    code, out, err = run_in_process(capsys, "query", "--batch", queries, *at, *option)
    assert (code, out, err) == (2, "", BATCH_FORMAT_ERROR)
    code, out, _ = run_in_process(capsys, "query", "--batch", queries, *at, "--jsonl")
    assert code == 0 and out.startswith('{"qid": "1"')


def test_a_batch_file_that_cannot_be_read_is_one_line_exit_2(seed_index_dir, tmp_path, capsys):
    at = ("--index", str(seed_index_dir))
    missing = str(tmp_path / "none.tsv")
    code, _, err = run_in_process(capsys, "query", "--batch", missing, *at)
    assert (code, err) == (2, f"searcharc: {missing}: No such file or directory\n")
    latin1 = tmp_path / "latin1.tsv"
    latin1.write_bytes("1\tcafé\n".encode("latin-1"))
    code, _, err = run_in_process(capsys, "query", "--batch", str(latin1), *at)
    assert (code, err) == (2, f"searcharc: {latin1}: not UTF-8 text (byte 5)\n")


def test_a_batch_does_not_suggest(seed_index_dir, tmp_path, capsys):
    at = ("--index", str(seed_index_dir))
    code, out, _ = run_in_process(capsys, "query", "الإرهلب", *at, "--json")
    assert code == 1 and '"query": "الإرهاب"' in out  # alone, it suggests
    queries = batch_file(tmp_path, "1\tالإرهلب\n")
    code, out, _ = run_in_process(capsys, "query", "--batch", queries, *at, "--jsonl")
    assert code == 1 and '"suggestions": []' in out


@pytest.mark.slow
def test_batch_output_is_utf_8_whatever_the_locale(seed_index_dir, tmp_path):
    run = tmp_path / "run.jsonl"
    ascii_locale = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    proc = run_cli(
        "query", "--batch", batch_file(tmp_path), "--jsonl", "--output", str(run),
        "--index", str(seed_index_dir), env=ascii_locale,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert '"title": "المغرب-أمريكا.. بلينكن' in run.read_text("utf-8")


# the first query builds ./index from the seeds: ./seeds, else the seeds beside the package


@pytest.mark.slow
def test_the_first_query_builds_from_the_seeds_in_the_current_folder(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "mine.txt").write_text(
        "خبر الرمان\n\nانطلق موسم جني الرمان في المناطق الشمالية هذا الأسبوع.\n", "utf-8"
    )
    proc = run_cli("query", "الرمان", "--ids", cwd=tmp_path, env={"SEARCHARC_INDEX": ""})
    assert (proc.returncode, proc.stdout) == (0, "mine.txt\n"), proc.stderr
    assert (tmp_path / "index" / "searcharc.json").exists()


@pytest.mark.skipif(
    not (Path(searcharc.__file__).resolve().parents[1] / "seeds").is_dir(),
    reason="searcharc is installed, not run from a source checkout: no seeds beside it",
)
@pytest.mark.slow
def test_without_seeds_here_the_first_query_builds_from_the_checkouts_seeds(tmp_path):
    proc = run_cli("query", "بلينكن", "--ids", cwd=tmp_path, env={"SEARCHARC_INDEX": ""})
    assert (proc.returncode, proc.stdout) == (0, f"{S002}\n"), proc.stderr
    assert "indexing" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert (tmp_path / "index" / "searcharc.json").exists()
    proc = run_cli("query", "فيشر", "--ids", cwd=tmp_path, env={"SEARCHARC_INDEX": ""})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"{S003}\n", "")  # built once
