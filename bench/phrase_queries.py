"""Quoted-phrase queries cut from news titles, one a line (by hand), for bench/cpu_compare.py.

    .venv/bin/python bench/phrase_queries.py /tmp/i25scale/queries-title.txt > PHRASES

For each title with three words or more (in order, at most --count): a run of two or three of
its words in quotes, alone, then the same with two other words of the title after it, as a
reader quotes a name or a phrase and adds a word or two.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import spans  # noqa: E402


def phrases(titles: list[str], count: int, seed: int = 5) -> list[str]:
    """Up to ``count`` queries: each title's phrase alone, then with two more of its words."""
    rng, found = random.Random(seed), []
    for title in titles:
        words = [title[s:e] for s, e in spans(title)]
        if len(words) < 3 or len(found) >= count:
            continue
        n = rng.randint(2, 3)
        start = rng.randrange(len(words) - n + 1)
        quoted = '"' + " ".join(words[start : start + n]) + '"'
        others = words[:start] + words[start + n :]
        found += [quoted, " ".join([quoted, *rng.sample(others, min(2, len(others)))])]
    return found[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("titles", type=Path, help="one title a line (bench/scale.py's queries)")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    lines = [t for t in args.titles.read_text("utf-8").splitlines() if t.strip()]
    print("\n".join(phrases(lines, args.count)))


if __name__ == "__main__":
    main()
