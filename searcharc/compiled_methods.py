"""searcharc's dataclasses made without compiling their methods at each start.

When a class is made, ``dataclasses`` writes the source of its ``__init__``, ``__repr__``,
``__eq__``, ``__hash__`` (and when frozen ``__setattr__`` and ``__delattr__``) and compiles it
with ``exec``: about 0.35 ms a class, some 18 ms of a cold query's 51 classes. ``install``
gives the ``dataclasses`` module an ``exec`` that keeps the code compiled for searcharc's own
classes, by its source text, in a file beside the package's bytecode (``__pycache__``, where
Python keeps a module's): the next process runs that code without compiling it. The methods
are the ones ``dataclasses`` makes, from the same source by the same compiler; a class whose
source changed is compiled anew. Other modules' classes are compiled as before. The file is
written, as bytecode is, unless ``sys.dont_write_bytecode``; a missing, unreadable or damaged
one is compiled around and replaced.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import dataclasses
import marshal
import os
import sys
from types import CodeType

# methods kept, at most: past it only those this process used are written again
LIMIT = 4096
# in the file's name: a new one when how the code is compiled or kept changes
VERSION = 1


class MethodCache:
    """Code compiled for dataclass methods, by source text: read from ``path`` at the first
    of searcharc's classes, saved back by ``save``."""

    def __init__(self) -> None:
        self.path: str | None = None
        self.codes: dict[str, CodeType] | None = None
        self.used: set[str] = set()
        self.new = 0

    def exec(self, source, globals=None, locals=None) -> None:
        """``exec`` for the dataclasses module: searcharc's methods from their kept code."""
        if globals is None:
            globals = vars(dataclasses)  # what the builtin exec called there would see
        if not isinstance(source, str):
            return builtins.exec(source, globals, locals)
        if not is_own(globals):
            return builtins.exec(compiled(source), globals, locals)
        if self.codes is None:
            self.path = cache_path()
            self.codes = read(self.path) if self.path else {}
        code = self.codes.get(source)
        if code is None:
            code = self.codes[source] = compiled(source)
            self.new += 1
        self.used.add(source)
        return builtins.exec(code, globals, locals)

    def save(self) -> None:
        """Write the kept code if this process compiled any (once; errors ignored, as Python
        ignores them writing bytecode)."""
        if not self.new or not self.path or sys.dont_write_bytecode:
            return
        self.new = 0
        codes = self.codes or {}
        if len(codes) > LIMIT:  # old classes' methods: keep this process's
            codes = {source: codes[source] for source in self.used}
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(temporary, "wb") as out:
                out.write(marshal.dumps(codes))
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def compiled(source: str) -> CodeType:
    """The source compiled as the dataclasses module's own ``exec`` compiles it: without the
    ``from __future__`` imports of the caller (here, annotations: they would become text)."""
    return compile(source, "<string>", "exec", dont_inherit=True)


def is_own(globals: dict) -> bool:
    """Whether methods with these globals are of a class that searcharc defines."""
    return str(globals.get("__name__", "")).partition(".")[0] == "searcharc"


def read(path: str) -> dict[str, CodeType]:
    """The kept code at ``path``, or nothing when it is missing, unreadable or not ours."""
    try:
        with open(path, "rb") as kept:
            codes = marshal.loads(kept.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(codes, dict):
        return {}
    return {k: v for k, v in codes.items() if isinstance(k, str) and isinstance(v, CodeType)}


def cache_path() -> str | None:
    """Where this interpreter keeps the code: beside this module's bytecode, by its tag."""
    from importlib.util import cache_from_source

    try:
        bytecode = cache_from_source(__file__)
    except NotImplementedError:  # no cache tag: no bytecode either
        return None
    return bytecode.removesuffix(".pyc") + f".dataclass-methods-{VERSION}"


CACHE: MethodCache | None = None


def install() -> None:
    """Give ``dataclasses`` the caching ``exec`` (once), and save new code at exit."""
    global CACHE
    if CACHE is None:
        CACHE = MethodCache()
        dataclasses.exec = CACHE.exec
        atexit.register(CACHE.save)


def save() -> None:
    """Save new code now: for a process that ends without the interpreter's exit."""
    if CACHE is not None:
        CACHE.save()
