"""searcharc's dataclass methods are compiled once and kept (``searcharc.compiled_methods``):
the next process makes the same classes from the kept code, which equals what ``dataclasses``
compiles, and a damaged or missing file only costs the compiling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A fresh process making the classes of a query, then reporting on the kept code
PROBE = """
import dataclasses, json
from searcharc import compiled_methods
import searcharc.search.searcher, searcharc.cli.render

@dataclasses.dataclass(frozen=True)
class Elsewhere:  # not searcharc's: compiled as before, not kept
    x: int

cache = compiled_methods.CACHE
codes = cache.codes or {}
same = all(compile(source, "<string>", "exec") == code for source, code in codes.items())
print(json.dumps({
    "path": cache.path, "new": cache.new, "used": len(cache.used), "kept": len(codes),
    "same": same, "elsewhere": any("Elsewhere" in s or "(self,x" in s for s in codes),
    "annotations": str(Elsewhere.__init__.__annotations__),
}))
"""


def probe(prefix: Path, write: bool = True) -> dict:
    """What a fresh process that makes a query's classes reports (bytecode under ``prefix``)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_next_process_compiles_nothing_and_runs_the_same_code(tmp_path):
    first = probe(tmp_path)
    assert first["new"] > 40 and first["new"] == first["kept"]  # every method compiled
    assert Path(first["path"]).is_file() and Path(first["path"]).is_relative_to(tmp_path)
    second = probe(tmp_path)
    assert second["new"] == 0 and second["used"] == first["used"] == second["kept"]
    assert second["same"]  # the kept code is what compiling its source gives
    assert not first["elsewhere"] and not second["elsewhere"]
    # made as before: its annotations the types, not text (this module's __future__ import)
    assert second["annotations"] == "{'x': <class 'int'>, 'return': None}"


@pytest.mark.slow
def test_a_damaged_or_unwritable_cache_only_costs_compiling(tmp_path):
    path = Path(probe(tmp_path)["path"])
    path.write_bytes(b"\xe3 not marshal data")
    damaged = probe(tmp_path)
    assert damaged["new"] == damaged["kept"] > 40 and damaged["same"]
    assert probe(tmp_path)["new"] == 0  # replaced by a good one
    path.unlink()
    assert probe(tmp_path, write=False)["new"] > 40 and not path.exists()  # as bytecode: -B


def test_only_searcharcs_classes_are_kept():
    from searcharc import compiled_methods

    assert compiled_methods.is_own({"__name__": "searcharc.search.query"})
    assert compiled_methods.is_own({"__name__": "searcharc"})
    assert not compiled_methods.is_own({"__name__": "searcharcish.x"})
    assert not compiled_methods.is_own({"__name__": "types"}) and not compiled_methods.is_own({})
