"""`searcharc index` on real-world archives: formats, encodings, bad input, increments, faults."""

from __future__ import annotations

import json
import multiprocessing
import random
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import run_cli

from searcharc.errors import SearcharcError
from searcharc.index.lock import LOCK_FILE
from searcharc.progress import Progress

ROOT = Path(__file__).resolve().parents[1]

# One distinctive word per good article, each found only in that article's body.
ARTICLES = {
    "utf8.txt": ("utf-8", "الطماطم"),
    "bom.txt": ("utf-8-sig", "البرتقال"),
    "utf16.txt": ("utf-16", "الزيتون"),
    "win1256.txt": ("cp1256", "الرمان"),
    "iso8859_6.txt": ("iso8859_6", "المشمش"),
}
FILLER = (
    "وقالت الوزارة في بلاغ لها إن الموسم الفلاحي يعرف تحسنا ملحوظا بفضل التساقطات المطرية الأخيرة."
)


def article_text(title: str, word: str) -> str:
    return f"{title} في الأسواق المغربية\n\nارتفعت أسعار {word} هذا الأسبوع. {FILLER}\n"


def index_json(*args: str) -> tuple[int, dict]:
    proc = run_cli("index", *args, "--json")
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    for name, (encoding, word) in ARTICLES.items():
        (root / name).write_bytes(article_text(f"خبر {word}", word).encode(encoding))
    (root / "page.html").write_text(
        "<html><head><title>موسم العنب</title><meta property='og:site_name' content='هسبريس'>"
        "</head><body><nav>الرئيسية رياضة سياسة</nav><article><h1>موسم العنب</h1>"
        f"<p>انطلق موسم جني العنب في المناطق الشمالية هذا الأسبوع. {FILLER}</p>"
        f"<p>ويتوقع المهنيون محصولا وافرا هذه السنة بفضل الأمطار. {FILLER}</p></article>"
        "<footer>جميع الحقوق محفوظة</footer></body></html>",
        encoding="utf-8",
    )
    (root / "feed.jsonl").write_text(
        json.dumps(
            {"id": "feed-1", "title": "خبر التمر", "content": f"موسم التمور. {FILLER}"},
            ensure_ascii=False,
        )
        + "\n{not json\n"
        + json.dumps(
            {
                "url": "https://example.ma/2",
                "title": "خبر التين",
                "body": f"جني التين. {FILLER}",
                "date": "2024-05-02",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    with zipfile.ZipFile(root / "day.zip", "w") as z:
        z.writestr("a.txt", article_text("خبر الموز", "الموز"))
        z.writestr(
            "b.json",
            json.dumps([{"title": "خبر الكرز", "text": f"الكرز. {FILLER}"}], ensure_ascii=False),
        )
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    (root / "empty.txt").write_bytes(b"")
    return root


GOOD = {  # word → id of the article it must find
    "الطماطم": "utf8.txt",
    "البرتقال": "bom.txt",
    "الزيتون": "utf16.txt",
    "الرمان": "win1256.txt",
    "المشمش": "iso8859_6.txt",
    "العنب": "page.html",
    "التمور": "feed-1",
    "التين": "https://example.ma/2",
    "الموز": "day.zip/a.txt",
    "الكرز": "day.zip/b.json#1",
}


@pytest.mark.slow
def test_a_mixed_archive_is_indexed_and_bad_inputs_are_skipped(archive, tmp_path):
    index = str(tmp_path / "index")
    status, summary = index_json(str(archive), "--index", index)
    assert status == 1  # some inputs were skipped
    assert (summary["added"], summary["updated"], summary["unchanged"]) == (len(GOOD), 0, 0)
    reasons = {s["input"]: s["reason"] for s in summary["skipped"]}
    assert reasons == {
        "empty.txt": "empty",
        "feed.jsonl:2": reasons["feed.jsonl:2"],
        "photo.jpg": "binary file",
    }
    assert reasons["feed.jsonl:2"].startswith("invalid JSON line")
    for word, article_id in GOOD.items():
        proc = run_cli("query", word, "--index", index, "--json")
        hits = json.loads(proc.stdout)["hits"]
        assert [h["id"] for h in hits] == [article_id], word


@pytest.mark.slow
def test_the_html_page_gives_title_and_source(archive, tmp_path):
    from searcharc.search.searcher import SearchIndex

    index = tmp_path / "index"
    index_json(str(archive / "page.html"), "--index", str(index))
    article = SearchIndex.open(index).get("page.html")
    assert article.title == "موسم العنب" and article.source == "هسبريس"
    assert "الرئيسية" not in article.body and "جميع الحقوق" not in article.body


@pytest.mark.slow
def test_warnings_name_the_file_and_the_reason(archive, tmp_path):
    proc = run_cli("index", str(archive), "--index", str(tmp_path / "index"))
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("searcharc: skipped")]
    assert sorted(warnings) == sorted(
        [
            "searcharc: skipped empty.txt: empty",
            "searcharc: skipped photo.jpg: binary file",
            next(
                w
                for w in warnings
                if w.startswith("searcharc: skipped feed.jsonl:2: invalid JSON line")
            ),
        ]
    )
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_mojibake_is_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    text = article_text("خبر العسل", "العسل")
    (folder / "double.txt").write_text(text.encode("utf-8").decode("cp1252", "replace"), "utf-8")
    (folder / "good.txt").write_text(text, "utf-8")
    status, summary = index_json(str(folder), "--index", str(tmp_path / "i"))
    assert summary["added"] == 1 and status == 1
    assert [s["input"] for s in summary["skipped"]] == ["double.txt"]


@pytest.mark.slow
def test_a_forced_encoding_is_used(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "forced.txt").write_bytes(article_text("خبر العسل", "العسل").encode("iso8859_6"))
    index = str(tmp_path / "i")
    status, summary = index_json(str(folder), "--index", index, "--encoding", "iso8859_6")
    assert (status, summary["added"]) == (0, 1)
    assert seed_ids(Path(index), "العسل") == ["forced.txt"]
    _, summary = index_json(str(folder), "--index", str(tmp_path / "j"), "--encoding", "utf-8")
    assert summary["skipped"][0]["reason"].startswith("not utf-8")


@pytest.mark.slow
def test_max_size_include_and_exclude(archive, tmp_path):
    status, summary = index_json(
        str(archive), "--index", str(tmp_path / "i"), "--include", "*.txt", "--exclude", "bom*"
    )
    assert summary["added"] == 4  # utf8, utf16, win1256, iso8859_6 (empty.txt is skipped)
    _, summary = index_json(
        str(archive / "utf8.txt"), "--index", str(tmp_path / "j"), "--max-size", "10b"
    )
    assert summary["added"] == 0 and "larger than --max-size" in summary["skipped"][0]["reason"]


@pytest.mark.parametrize("jobs", ["1", "2"])  # 2: a worker process analyzes
@pytest.mark.slow
def test_edit_delete_add_with_prune(tmp_path, jobs):
    folder = tmp_path / "news"
    folder.mkdir()
    for word in ("الطماطم", "البرتقال", "الزيتون", "الرمان"):
        (folder / f"{word}.txt").write_text(article_text(f"خبر {word}", word), "utf-8")
    index = str(tmp_path / "index")
    assert index_json(str(folder), "--index", index, "--jobs", jobs)[1]["added"] == 4

    (folder / "الطماطم.txt").write_text(article_text("خبر الطماطم", "البطاطس"), "utf-8")
    (folder / "البرتقال.txt").unlink()
    (folder / "الموز.txt").write_text(article_text("خبر الموز", "الموز"), "utf-8")
    status, summary = index_json(str(folder), "--index", index, "--prune", "--jobs", jobs)
    assert status == 0
    assert (summary["added"], summary["updated"], summary["removed"], summary["unchanged"]) == (
        1,
        1,
        1,
        2,
    )

    def ids(word: str) -> list[str]:
        return [
            h["id"]
            for h in json.loads(run_cli("query", word, "--index", index, "--json").stdout)["hits"]
        ]

    assert ids("البطاطس") == ["الطماطم.txt"]
    assert ids("الطماطم") == ["الطماطم.txt"]  # its title still says so
    assert ids("البرتقال") == []
    assert ids("الموز") == ["الموز.txt"]


@pytest.mark.slow
def test_duplicates_are_indexed_once_and_reported(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text(article_text("خبر التمر", "التمر"), "utf-8")
    _, summary = index_json(str(folder), "--index", str(tmp_path / "index"))
    assert summary["added"] == 1
    assert summary["duplicates"] == [{"id": "b.txt", "duplicate_of": "a.txt"}]


@pytest.mark.slow
def test_remove_show_and_stats(seeds_dir, tmp_path):
    index = str(tmp_path / "index")
    index_json(str(seeds_dir), "--index", index)
    stats = json.loads(run_cli("stats", "--index", index, "--json").stdout)
    assert stats["documents"] == 5 and stats["by_source"]["Ahdath.info"] == 1
    assert stats["by_month"]["2023-11"] == 1 and stats["distinct_words"] > 500
    shown = json.loads(
        run_cli(
            "show", "003_c640824398eaae79.txt", "--index", index, "--json", "--highlight", "الإرهاب"
        ).stdout
    )
    assert shown["date"] == "2020-09-29" and shown["highlights"]
    assert {shown["body"][s:e] for s, e in shown["highlights"]} >= {"الإرهاب"}
    assert run_cli("remove", "003_c640824398eaae79.txt", "nope", "--index", index).returncode == 1
    assert run_cli("show", "003_c640824398eaae79.txt", "--index", index).returncode == 1
    assert json.loads(run_cli("stats", "--index", index, "--json").stdout)["documents"] == 4


LONG_RUN = 6000  # articles: an index run of a few seconds, to be waited for or killed midway


def big_archive(folder: Path, count: int) -> Path:
    """A JSON Lines file of ``count`` synthetic articles built from the seeds' words."""
    words = re.findall(
        r"[\u0621-\u064a]+", (ROOT / "seeds" / "002_966b79832bdd0695.txt").read_text()
    )
    rng = random.Random(7)
    path = folder / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            body = " ".join(rng.choices(words, k=150))
            out.write(
                json.dumps(
                    {"id": f"big-{i}", "title": f"خبر رقم {i}", "content": body}, ensure_ascii=False
                )
                + "\n"
            )
    return path


def start_index(source: Path, index: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "searcharc",
            "index",
            str(source),
            "--index",
            str(index),
            "--quiet",
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lock(index: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        lock = index / LOCK_FILE
        if lock.exists() and lock.read_text().startswith("pid"):
            return
        time.sleep(0.05)
    raise AssertionError("the index run never took the lock")


def seed_ids(index: Path, word: str) -> list[str]:
    return [
        h["id"]
        for h in json.loads(run_cli("query", word, "--index", str(index), "--json").stdout)["hits"]
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])  # 2: its worker must die with it (and free the lock)
@pytest.mark.slow
def test_a_run_killed_midway_leaves_the_last_commit_searchable(seeds_dir, tmp_path, jobs):
    index = tmp_path / "index"
    index_json(str(seeds_dir), "--index", str(index))
    before = seed_ids(index, "بلينكن")
    assert before == ["002_966b79832bdd0695.txt"]
    source = big_archive(tmp_path, LONG_RUN)

    proc = start_index(source, index, "--jobs", jobs)
    wait_for_lock(index, proc)
    assert seed_ids(index, "بلينكن") == before  # queries work while a run is writing
    time.sleep(1.0)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert seed_ids(index, "بلينكن") == before
    status, summary = index_json(str(source), "--index", str(index))
    assert status == 0 and summary["added"] == LONG_RUN
    assert (
        json.loads(run_cli("stats", "--index", str(index), "--json").stdout)["documents"]
        == LONG_RUN + 5
    )


@pytest.mark.slow
def test_a_second_run_waits_for_the_lock_then_names_the_holder(tmp_path):
    index = tmp_path / "index"
    source = big_archive(tmp_path, LONG_RUN)
    first = start_index(source, index)
    try:
        wait_for_lock(index, first)
        started = time.monotonic()
        second = run_cli("index", str(source), "--index", str(index), "--lock-timeout", "1")
        waited = time.monotonic() - started
        assert second.returncode == 2 and "internal error" not in second.stderr
        assert waited >= 1.0
        (line,) = second.stderr.strip().splitlines()
        assert f"pid {first.pid}" in line and "--lock-timeout" in line
    finally:
        first.kill()
        first.wait()


@pytest.mark.parametrize(
    ("input_bytes", "cpus", "expected"),
    [
        (100_000, 2, 1),  # a handful of articles: no worker
        (4_000_000, 1, 1),  # one CPU: no worker
        (4_000_000, 2, 2),
        (30_000_000, 8, 2),  # more workers do not help (one writer): 2
    ],
)
def test_auto_jobs(input_bytes, cpus, expected):
    from searcharc.index.indexing import auto_jobs

    assert auto_jobs(input_bytes, cpus) == expected


def test_jobs_zero_picks_for_the_input(tmp_path, seeds_dir, monkeypatch):
    """The default (--jobs 0) asks auto_jobs with the inputs' size; the seeds are small."""
    from searcharc.index import indexing

    asked = []
    monkeypatch.setattr(indexing, "auto_jobs", lambda size, cpus: asked.append(size) or 1)
    indexing.run_index([seeds_dir], tmp_path / "ix")
    assert len(asked) == 1 and 0 < asked[0] < indexing.PARALLEL_FROM_BYTES


# What a run reads, reports and keeps, in this process (run_index: what `searcharc index` runs)


class Recorder(Progress):
    """A front end's view of a run: the bytes announced and read, and a Ctrl-C on demand."""

    def __init__(self, interrupt_after: int | None = None) -> None:
        self.total: int | None = None
        self.read_bytes = 0
        self.articles = 0
        self.workers: set[int] = set()  # worker processes seen while articles went in
        self.before: set[int] = set()
        self.interrupt_after = interrupt_after

    def start(self, total_bytes: int) -> None:
        self.total = total_bytes
        self.before = {p.pid for p in multiprocessing.active_children()}  # not this run's

    def read(self, count: int) -> None:
        self.read_bytes += count

    def indexed(self) -> None:
        self.articles += 1
        self.workers.update({p.pid for p in multiprocessing.active_children()} - self.before)
        if self.articles == self.interrupt_after:
            raise KeyboardInterrupt

    def finished(self, item) -> None: ...

    def skipped(self, skipped) -> None: ...


def held(target: Path) -> set[str]:
    """The ids the committed index holds."""
    from searcharc.index import store

    return set(store.known_documents(store.open_existing(target)))


def test_the_progress_bar_fills_and_an_unchanged_input_is_not_read_again(tmp_path):
    from searcharc.index.indexing import run_index

    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "clean.txt").write_text(article_text("خبر الطماطم", "الطماطم"), "utf-8")
    feed = folder / "feed.jsonl"
    good = json.dumps({"title": "خبر التمر", "body": f"التمر. {FILLER}"}, ensure_ascii=False)
    feed.write_text(good + "\n{not json\n", "utf-8")
    size = sum(p.stat().st_size for p in folder.iterdir())

    first = Recorder()
    started = time.monotonic()
    run = run_index([folder], tmp_path / "ix", progress=first)
    assert 0 < run.seconds <= time.monotonic() - started
    assert (first.total, first.read_bytes) == (size, size)  # the bar runs to its end
    assert (run.changes.added, run.exit_status) == (2, 1)
    again = Recorder()
    run = run_index([folder], tmp_path / "ix", progress=again)
    # clean.txt is not even read; the feed with a broken line is read again and named again
    assert again.read_bytes == feed.stat().st_size
    assert [(s.name, run.exit_status) for s in run.skipped] == [("feed.jsonl:2", 1)]
    assert (run.changes.added, run.changes.unchanged) == (0, 2)


def test_a_path_that_is_not_there_is_named_and_the_rest_goes_in(tmp_path, seeds_dir):
    from searcharc.index.indexing import run_index

    missing = tmp_path / "missing"
    run = run_index([seeds_dir, missing], tmp_path / "ix")
    assert run.as_dict()["skipped"] == [{"input": str(missing), "reason": "no such file or folder"}]
    assert (run.changes.added, run.exit_status) == (5, 1)


@pytest.mark.slow
def test_an_index_of_another_analyzer_version_is_kept_until_rebuilt(tmp_path, seeds_dir):
    """The error says to rebuild; the rebuild reads every input again (the last run's list of
    inputs read belongs to the index replaced: until this was fixed, the rebuild left the index
    empty, exit 0)."""
    from searcharc.analysis import ANALYZER_VERSION
    from searcharc.index.indexing import IndexOptions, run_index
    from searcharc.index.store import IndexMeta

    target = tmp_path / "ix"
    run_index([seeds_dir], target)
    IndexMeta(ANALYZER_VERSION + "-old", "light").write(target)
    with pytest.raises(SearcharcError, match=r"rebuild it: searcharc index --rebuild --index "):
        run_index([seeds_dir], target)
    run = run_index([seeds_dir], target, IndexOptions(rebuild=True))
    assert (run.changes.added, run.exit_status) == (5, 0)
    assert len(held(target)) == 5


@pytest.mark.slow
def test_ctrl_c_keeps_what_a_first_run_read_and_the_old_index_under_rebuild(tmp_path, seeds_dir):
    from searcharc.analysis import ANALYZER_VERSION
    from searcharc.index.indexing import IndexOptions, run_index
    from searcharc.index.store import IndexMeta

    target = tmp_path / "ix"
    run = run_index([seeds_dir], target, progress=Recorder(interrupt_after=2))
    assert (run.interrupted, run.changes.added, len(held(target))) == (True, 2, 2)
    kept = held(target)
    started = time.monotonic()
    run = run_index([seeds_dir], target, IndexOptions(rebuild=True), Recorder(interrupt_after=1))
    assert (run.interrupted, run.changes.added, held(target)) == (True, 0, kept)
    assert 0 < run.as_dict()["seconds"] <= time.monotonic() - started + 0.001
    # an index of another analyzer version cannot be kept: what the rebuild read is
    IndexMeta(ANALYZER_VERSION + "-old", "light").write(target)
    run = run_index([seeds_dir], target, IndexOptions(rebuild=True), Recorder(interrupt_after=3))
    assert (run.interrupted, run.changes.added, len(held(target))) == (True, 3, 3)


@pytest.mark.slow
def test_a_new_encoding_reads_the_inputs_again(tmp_path):
    from searcharc.index.indexing import IndexOptions, run_index

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(article_text("خبر العسل", "العسل").encode("iso8859_6"))
    target = tmp_path / "ix"
    assert run_index([folder], target, IndexOptions(encoding="cp1256")).changes.added == 1
    run = run_index([folder], target, IndexOptions(encoding="iso8859_6"))
    assert (run.changes.updated, run.changes.unchanged) == (1, 0)
    assert seed_ids(target, "العسل") == ["a.txt"]


def test_jobs_2_analyzes_in_a_worker_process(tmp_path):
    from searcharc.index.indexing import IndexOptions, run_index

    feed = tmp_path / "feed.jsonl"
    records = ({"id": f"n{n}", "title": "خبر", "body": f"التمر {n}. {FILLER}"} for n in range(40))
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    for jobs, workers in ((1, 0), (2, 1)):
        seen = Recorder()
        run_index([feed], tmp_path / f"ix{jobs}", IndexOptions(jobs=jobs), seen)
        assert (seen.articles, len(seen.workers)) == (40, workers), jobs


def test_usable_cpus_off_linux(monkeypatch):
    from searcharc.index.indexing import usable_cpus

    monkeypatch.delattr("os.sched_getaffinity", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    assert usable_cpus() == 3
    monkeypatch.setattr("os.cpu_count", lambda: None)  # undetermined
    assert usable_cpus() == 1


def test_the_summary_gives_seconds_to_the_millisecond():
    from searcharc.index.indexing import IndexRun

    assert IndexRun(seconds=0.12345).as_dict()["seconds"] == 0.123
