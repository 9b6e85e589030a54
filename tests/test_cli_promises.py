"""The README's promises, tested through the command line: every option it names, every exit
status, and every error as one line on stderr with its own message (never "internal error",
which is how a crash shows)."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, S001, S002, S003, run_cli, run_in_process

ESC = "\x1b"
FILLER = "وقالت الوزارة في بلاغ لها إن الموسم الفلاحي يعرف تحسنا ملحوظا بفضل التساقطات المطرية."


def assert_error(code: int, err: str, message: str) -> None:
    """Exit status 2, one line on stderr that says ``message``, and not a crash."""
    assert code == 2, (code, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "internal error" not in err and "Traceback" not in err, err
    assert message in err, err


@pytest.fixture
def query(seed_index_dir, capsys):
    """`searcharc query --index SEEDS ARGS` in this process: (status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        return run_in_process(capsys, "query", "--index", str(seed_index_dir), *args)

    return run


def ids_of(out: str) -> list[str]:
    return [json.loads(line)["id"] for line in out.splitlines()]


# query: dates, order, pages, fields


def test_since_keeps_articles_dated_on_or_after(query):
    code, out, _ = query("الأمن", "--jsonl", "--since", "2021-01-01")
    assert code == 0 and ids_of(out) == [S001]  # 2023-11-14; 003 is 2020-09-29, the rest undated
    code, out, _ = query("الأمن", "--jsonl", "--since", "2023-11-14")
    assert code == 0 and ids_of(out) == [S001]  # the day itself counts
    code, out, _ = query("الأمن", "--jsonl", "--since", "2023-11-15")
    assert code == 1 and out == ""


def test_until_keeps_articles_dated_on_or_before(query):
    code, out, _ = query("الأمن", "--jsonl", "--until", "2021-01-01")
    assert code == 0 and ids_of(out) == [S003]
    code, out, _ = query("الأمن", "--jsonl", "--until", "2020-09-29")
    assert code == 0 and ids_of(out) == [S003]
    code, out, _ = query("الأمن", "--jsonl", "--since", "2020-01-01", "--until", "2024-01-01")
    assert code == 0 and sorted(ids_of(out)) == [S001, S003]


def test_a_bad_date_is_one_line_exit_2(query):
    code, _, err = query("الأمن", "--since", "2023-13-01")
    assert_error(code, err, "not an ISO date (YYYY-MM-DD): '2023-13-01'")


def test_sort_date_puts_the_newest_first_and_the_undated_last(query):
    code, out, _ = query("الأمن", "--jsonl", "--sort", "date", "--fields", "id,date")
    hits = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [h["id"] for h in hits[:2]] == [S001, S003]
    assert [h["date"] for h in hits[2:]] == [None] * 3
    code, out, _ = query("الأمن", "--jsonl", "--sort", "score", "--fields", "id,score")
    scores = [json.loads(line)["score"] for line in out.splitlines()]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5


@pytest.mark.slow
def test_page_n_is_offset_n_minus_1_times_limit(query):
    _, everything, _ = query("الأمن", "--ids")
    every = everything.split()
    assert len(every) == 5
    for page in (1, 2, 3):
        code, out, _ = query("الأمن", "--ids", "--limit", "2", "--page", str(page))
        assert code == 0 and out.split() == every[(page - 1) * 2 : page * 2]
    _, out, _ = query("الأمن", "--ids", "--limit", "2", "--offset", "3")
    assert out.split() == every[3:5]
    code, out, _ = query("الأمن", "--ids", "--limit", "2", "--page", "4")
    assert code == 1 and out == ""  # past the last hit: nothing found


def test_page_and_offset_together_are_refused(query):
    code, _, err = query("الأمن", "--page", "2", "--offset", "2")
    assert_error(code, err, "give --page or --offset, not both")


def test_fields_keeps_only_the_named_keys(query):
    code, out, _ = query("بلينكن", "--jsonl", "--fields", "id,title,date")
    assert code == 0
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits and all(list(h) == ["id", "title", "date"] for h in hits)
    code, out, _ = query("بلينكن", "--json", "--fields", "score")
    assert code == 0 and all(list(h) == ["score"] for h in json.loads(out)["hits"])


def test_an_unknown_field_is_refused(query):
    code, _, err = query("بلينكن", "--jsonl", "--fields", "id,nope")
    assert_error(code, err, "--fields: choose among")


def test_two_output_formats_are_refused(query):
    code, _, err = query("بلينكن", "--json", "--ids")
    assert_error(code, err, "choose one output format, not --json and --ids")


def test_an_unreadable_query_is_one_line_exit_2(query):
    code, _, err = query("الإرهاب~9")
    assert_error(code, err, "fuzzy distance in 'الإرهاب~9' must be 1 or 2")


# query: colour


def styled(text: str, word: str) -> bool:
    """``word`` in ``text`` right after an escape sequence that turns a style on."""
    return re.search(f"{ESC}\\[[0-9;]*[1-9][0-9;]*m{word}", text) is not None


def test_color_always_highlights_each_match_in_the_snippets(query):
    code, out, _ = query("--color", "always", "--", "بلينكن")
    assert code == 0
    snippets = [line for line in out.splitlines() if line.lstrip(f" {ESC}[0-9;m").startswith("…")]
    assert snippets and all(styled(line, "بلينكن") for line in snippets), snippets
    plain = re.sub(f"{ESC}\\[[0-9;]*m", "", out)
    assert S002 in plain and "بلينكن" in plain


def test_color_never_and_a_pipe_are_plain(query):
    for args in (["--color", "never"], []):
        code, out, _ = query(*args, "--", "بلينكن")
        assert code == 0 and ESC not in out and "بلينكن" in out


def run_on_a_terminal(*args: str, env: dict[str, str]) -> str:
    """`searcharc ARGS` with its standard output on a pseudo-terminal: what it wrote there."""
    leader, follower = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    proc = subprocess.Popen(
        [sys.executable, "-m", "searcharc", *args],
        cwd=ROOT,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=environ,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_a_terminal_gets_styles_unless_no_color_is_set(seed_index_dir):
    args = ("query", "بلينكن", "--index", str(seed_index_dir), "--limit", "1")
    assert styled(run_on_a_terminal(*args, env={}), "بلينكن")
    plain = run_on_a_terminal(*args, env={"NO_COLOR": "1"})
    assert ESC not in plain and "بلينكن" in plain


# query: the index it reads, batches


@pytest.mark.slow
def test_searcharc_index_names_the_index_and_index_overrides_it(seed_index_dir, tmp_path):
    proc = run_cli(
        "query", "بلينكن", "--ids", cwd=tmp_path, env={"SEARCHARC_INDEX": str(seed_index_dir)}
    )
    assert proc.returncode == 0 and proc.stdout.split() == [S002] and proc.stderr == ""
    assert not (tmp_path / "index").exists()  # it did not build ./index
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "junk").write_text("x")
    proc = run_cli(
        "query", "بلينكن", "--index", str(tmp_path / "elsewhere"), cwd=tmp_path,
        env={"SEARCHARC_INDEX": str(seed_index_dir)},
    )  # fmt: skip
    assert_error(proc.returncode, proc.stderr, "elsewhere")


@pytest.mark.slow
def test_batch_exit_status_found_nothing_and_unreadable(seed_index_dir, tmp_path):
    def batch(lines: str) -> subprocess.CompletedProcess:
        return run_cli("query", "--batch", "-", "--index", str(seed_index_dir), stdin=lines)

    found = batch("1\tبلينكن\n2\tزياش\n")
    assert found.returncode == 0 and found.stdout.split()[:3] == ["1", "Q0", S002]
    nothing = batch("1\tزياش\n2\tكنغر\n")
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert "2 queries in" in nothing.stderr
    unreadable = batch("1\tبلينكن\n2\tالإرهاب~9\n")
    assert unreadable.returncode == 2 and unreadable.stdout.split()[:3] == ["1", "Q0", S002]
    assert "searcharc: query 2: fuzzy distance" in unreadable.stderr
    assert "internal error" not in unreadable.stderr


# usage errors (Typer's) are one line too


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "x", "--limit", "0"], "Invalid value for '--limit'"),
        (["query", "x", "--sort", "size"], "Invalid value for '--sort'"),
        (["query", "x", "--color", "sometimes"], "Invalid value for '--color'"),
        (["nope"], "No such command 'nope'"),
        (["show"], "Missing argument 'ID'"),
        (["index", "--max-size", "big"], "--max-size takes a unit (B, KB, MB or GB)"),
        (["index", "--memory", "256"], "--memory takes a unit (B, KB, MB or GB)"),
        (["--bogus"], "No such option: --bogus"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args, message, capsys):
    code, out, err = run_in_process(capsys, *args)
    assert_error(code, err, message)
    assert err.startswith("searcharc: ") and out == ""


@pytest.mark.slow
def test_usage_error_through_the_installed_entry_point():
    proc = run_cli("query", "x", "--limit", "0")
    assert_error(proc.returncode, proc.stderr, "Invalid value for '--limit'")


# index: increments, --rebuild, --prune, --include/--exclude, -, --verbose, --quiet


def index(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    proc = run_cli("index", *args, stdin=stdin)
    return proc.returncode, proc.stdout, proc.stderr


def index_summary(*args: str) -> tuple[int, dict]:
    code, out, err = index(*args, "--json")
    assert "internal error" not in err, err
    return code, json.loads(out)


def ids_for(target: Path, word: str) -> list[str]:
    proc = run_cli("query", word, "--index", str(target), "--ids")
    assert proc.returncode in (0, 1) and "internal error" not in proc.stderr, proc.stderr
    return proc.stdout.split()


def news(folder: Path, **articles: str) -> Path:
    """A folder of plain-text articles: file stem → a word only that article has."""
    folder.mkdir(exist_ok=True)
    for name, word in articles.items():
        (folder / f"{name}.txt").write_text(
            f"خبر {word}\n\nارتفعت أسعار {word}. {FILLER}\n", "utf-8"
        )
    return folder


@pytest.mark.slow
def test_rebuild_starts_over_and_without_it_articles_stay(tmp_path):
    target = str(tmp_path / "index")
    assert (
        index_summary(str(news(tmp_path / "a", one="الطماطم")), "--index", target)[1]["added"] == 1
    )
    second = news(tmp_path / "b", two="البرتقال")
    assert index_summary(str(second), "--index", target)[1]["added"] == 1
    assert ids_for(tmp_path / "index", "الطماطم") == ["one.txt"]  # an update keeps the rest
    code, summary = index_summary(str(second), "--index", target, "--rebuild")
    assert code == 0 and (summary["added"], summary["unchanged"]) == (1, 0)
    assert ids_for(tmp_path / "index", "الطماطم") == []
    assert ids_for(tmp_path / "index", "البرتقال") == ["two.txt"]


@pytest.mark.slow
def test_prune_keeps_the_articles_of_an_input_skipped_this_run(tmp_path):
    folder = news(tmp_path / "news", kept="الطماطم", broken="البرتقال", gone="الزيتون")
    target = str(tmp_path / "index")
    assert index_summary(str(folder), "--index", target)[1]["added"] == 3
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02 not text any more")
    (folder / "gone.txt").unlink()
    code, summary = index_summary(str(folder), "--index", target, "--prune")
    assert code == 1  # an input was skipped
    assert summary["removed"] == 1 and summary["skipped"][0]["input"] == "broken.txt"
    assert ids_for(tmp_path / "index", "البرتقال") == ["broken.txt"]  # unreadable now, kept
    assert ids_for(tmp_path / "index", "الزيتون") == []  # gone: pruned
    assert ids_for(tmp_path / "index", "الطماطم") == ["kept.txt"]


@pytest.mark.slow
def test_prune_counts_each_article_it_removes_and_the_summary_has_every_field(tmp_path):
    folder = news(tmp_path / "news", kept="الطماطم", one="البرتقال", two="الزيتون")
    target = str(tmp_path / "index")
    index_summary(str(folder), "--index", target)
    (folder / "one.txt").unlink()
    (folder / "two.txt").unlink()
    code, summary = index_summary(str(folder), "--index", target, "--prune")
    assert code == 0 and summary["removed"] == 2
    assert list(summary) == [
        "added",
        "updated",
        "unchanged",
        "removed",
        "duplicates",
        "skipped",
        "interrupted",
        "seconds",
    ]
    assert summary["interrupted"] is False
    assert 0 < summary["seconds"] == round(summary["seconds"], 3)


@pytest.mark.slow
def test_without_prune_a_deleted_input_stays(tmp_path):
    folder = news(tmp_path / "news", kept="الطماطم", gone="الزيتون")
    target = str(tmp_path / "index")
    index_summary(str(folder), "--index", target)
    (folder / "gone.txt").unlink()
    code, summary = index_summary(str(folder), "--index", target)
    assert code == 0 and (summary["removed"], summary["unchanged"]) == (0, 1)
    assert ids_for(tmp_path / "index", "الزيتون") == ["gone.txt"]


@pytest.mark.slow
def test_a_changed_title_alone_updates_the_article(tmp_path):
    feed = tmp_path / "feed.jsonl"
    record = {"id": "n1", "title": "خبر الطماطم", "body": f"أسعار الخضر. {FILLER}"}
    feed.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    target = str(tmp_path / "index")
    assert index_summary(str(feed), "--index", target)[1]["added"] == 1
    feed.write_text(json.dumps(record | {"title": "خبر البرتقال"}, ensure_ascii=False), "utf-8")
    code, summary = index_summary(str(feed), "--index", target)
    assert code == 0 and (summary["updated"], summary["unchanged"]) == (1, 0)
    assert ids_for(tmp_path / "index", "البرتقال") == ["n1"]
    assert ids_for(tmp_path / "index", "الطماطم") == []


@pytest.mark.slow
def test_an_html_page_keeps_its_date(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>موسم العنب</title>"
        "<meta property='article:published_time' content='2024-03-05T10:00:00+00:00'>"
        "</head><body><article><h1>موسم العنب</h1>"
        f"<p>انطلق موسم جني العنب في المناطق الشمالية هذا الأسبوع. {FILLER}</p>"
        f"<p>ويتوقع المهنيون محصولا وافرا هذه السنة بفضل الأمطار. {FILLER}</p></article>"
        "</body></html>",
        "utf-8",
    )
    target = str(tmp_path / "index")
    assert index_summary(str(page), "--index", target)[0] == 0
    proc = run_cli("show", "page.html", "--index", target, "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["date"] == "2024-03-05"


@pytest.mark.slow
def test_control_characters_are_refused(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("خبر " + "\x07\x1b\x02" * 50 + FILLER, "utf-8")
    target = str(tmp_path / "index")
    code, summary = index_summary(str(bad), "--index", target)
    assert code == 1 and summary["added"] == 0
    assert summary["skipped"] == [{"input": "bad.txt", "reason": "control characters: not text"}]


@pytest.mark.slow
def test_include_and_exclude_choose_the_files(tmp_path):
    folder = news(tmp_path / "news", one="الطماطم", two="البرتقال")
    (folder / "three.md").write_text(f"خبر الزيتون\n\nالزيتون. {FILLER}\n", "utf-8")
    code, summary = index_summary(str(folder), "--index", str(tmp_path / "i"), "--include", "*.md")
    assert code == 0 and summary["added"] == 1
    code, summary = index_summary(
        str(folder), "--index", str(tmp_path / "j"), "--exclude", "*.md", "--exclude", "one*"
    )
    assert code == 0 and summary["added"] == 1
    assert ids_for(tmp_path / "j", "البرتقال") == ["two.txt"]
    assert ids_for(tmp_path / "j", "الطماطم") == []


@pytest.mark.slow
def test_stdin_is_read_with_a_dash(tmp_path):
    target = tmp_path / "index"
    code, out, err = index("-", "--index", str(target), stdin=f"خبر الرمان\n\nالرمان. {FILLER}\n")
    assert code == 0 and "internal error" not in err
    assert ids_for(target, "الرمان") == ["stdin"]


@pytest.mark.slow
def test_verbose_names_what_was_skipped_and_quiet_prints_nothing(tmp_path):
    folder = news(tmp_path / "news", one="الطماطم")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    code, out, err = index(str(folder), "--index", str(tmp_path / "i"), "--verbose")
    assert code == 1 and "photo.jpg" in err and "binary file" in err
    code, out, err = index(str(folder), "--index", str(tmp_path / "j"), "--quiet")
    assert code == 1 and out == "" and err == ""
    code, out, err = index(
        str(news(tmp_path / "ok", two="البرتقال")), "--index", str(tmp_path / "k"), "-q"
    )
    assert code == 0 and out == "" and err == ""


@pytest.mark.slow
def test_index_into_a_folder_of_other_files_is_exit_2(tmp_path):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "notes.txt").write_text("x")
    code, _, err = index(
        str(news(tmp_path / "news", one="الطماطم")), "--index", str(tmp_path / "index")
    )
    assert_error(code, err, "holds other files, not a searcharc index")
    assert (tmp_path / "index" / "notes.txt").read_text() == "x"  # nothing lost


# show, remove, similar: their exit statuses


@pytest.mark.slow
def test_show_remove_and_similar_exit_statuses(seeds_dir, tmp_path, capsys):
    from searcharc.index.indexing import run_index

    target = tmp_path / "index"
    run_index([seeds_dir], target)
    at = ("--index", str(target))
    code, out, _ = run_in_process(capsys, "show", S002, *at)
    assert code == 0 and "بلينكن" in out
    code, out, err = run_in_process(capsys, "show", "nope.txt", *at)
    assert code == 1 and "not in the index: nope.txt" in err and "internal error" not in err
    code, out, _ = run_in_process(capsys, "similar", S002, *at, "--json")
    assert code == 0 and S002 not in [s["id"] for s in json.loads(out)]
    code, _, err = run_in_process(capsys, "remove", S002, "nope.txt", *at)
    assert code == 1 and "not in the index: nope.txt" in err and "removed 1 of 2" in err
    code, _, err = run_in_process(capsys, "remove", S001, *at)
    assert code == 0 and "removed 1 of 1" in err
    code, out, _ = run_in_process(capsys, "query", "بلينكن", *at, "--ids")
    assert code == 1 and out == ""  # 002 is gone


@pytest.mark.slow
def test_batch_applies_the_date_options_and_jsonl_has_snippets_without_suggestions(
    seed_index_dir,
):
    lines = "1\tالأمن\n2\tالارهب\n"
    at = ("--index", str(seed_index_dir))
    proc = run_cli("query", "--batch", "-", *at, "--since", "2021-01-01", stdin=lines)
    assert proc.returncode == 0
    assert {line.split()[2] for line in proc.stdout.splitlines()} == {S001}  # 2023-11-14 only
    proc = run_cli("query", "--batch", "-", *at, "--jsonl", stdin=lines)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["qid"] for r in rows] == ["1", "2"]
    assert all(hit["snippets"] for r in rows for hit in r["hits"]) and rows[0]["hits"]
    assert rows[1]["suggestions"] == []  # a batch does not suggest


@pytest.mark.slow
def test_batch_reports_its_throughput(seed_index_dir):
    stdin = "".join(f"{n}\tالأمن\n" for n in range(40))
    proc = run_cli("query", "--batch", "-", "--index", str(seed_index_dir), stdin=stdin)
    found = re.fullmatch(
        r"searcharc: 40 queries in ([\d.]+) s \(([\d,]+) queries/s\)\n", proc.stderr
    )
    assert found, proc.stderr
    seconds, rate = float(found[1]), float(found[2].replace(",", ""))
    assert seconds < 60 and rate > 0
    # rate × seconds = 40 queries, within what rounding to 0 and 2 decimals leaves
    assert (rate - 0.5) * (seconds - 0.005) <= 40 <= (rate + 0.5) * (seconds + 0.005)


@pytest.mark.slow
def test_batch_output_that_cannot_be_written_is_one_line_exit_2(seed_index_dir, tmp_path):
    proc = run_cli(
        "query", "--batch", "-", "--index", str(seed_index_dir), "--output", str(tmp_path),
        stdin="1\tالأمن\n",
    )  # fmt: skip
    assert_error(proc.returncode, proc.stderr, f"{tmp_path}: Is a directory")


def test_the_fields_error_names_every_field(query):
    code, _, err = query("بلينكن", "--fields", "nope")
    assert_error(
        code,
        err,
        "--fields: choose among id,title,score,date,source,snippets, not 'nope'",
    )
