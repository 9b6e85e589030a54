"""Whoosh (and dataclasses), loaded without modules they import at start-up and a query never
calls.

``whoosh.compat`` imports ``urllib.request`` (and with it http.client, email, ssl) for
``urlretrieve`` and ``html`` (its table of entities) for ``escape``; ``whoosh.query.terms``
imports ``whoosh.lang.morph_en`` (English word variations, one very large regular expression)
for the ``Variations`` query; ``whoosh.filedb.filestore`` and ``whoosh.filedb.compound``
import ``tempfile`` and ``shutil`` (with bz2 and lzma) for temporary and compound files;
``whoosh.util`` and ``whoosh.classify`` import ``random`` for new file names and clustering;
``whoosh.util.times`` imports ``calendar`` (and locale) for relative dates; ``whoosh.compat``
imports ``queue``, and the two storages ``threading``, for Whoosh's own parallel writer and
compound or in-memory files' locks; ``dataclasses`` imports ``inspect`` (with ast, dis,
tokenize: about 5 ms) to write a docstring for a class that has none; ``whoosh.searching``
imports ``whoosh.highlight`` for its ``Results``, which searcharc's ranked queries do not make,
and ``whoosh.codec.base`` the Levenshtein automata of fuzzy terms (``word~``); and
``whoosh.filedb.filetables`` imports ``hashlib`` for an MD5 that a lighter module gives
(``LIGHTER``).
While exactly those modules execute, each of these imports finds a stand-in whose functions
load the real module on their first call (and whose other attributes are the real module's,
loaded then); every other importer, before or after, gets the real module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from importlib.machinery import PathFinder, SourceFileLoader
from types import ModuleType

# a module (Whoosh's, or dataclasses) → the modules it imports, each with the names it takes
STANDINS: dict[str, dict[str, tuple[str, ...]]] = {
    "whoosh.compat": {"urllib.request": ("urlretrieve",), "html": ("escape",), "queue": ()},
    "whoosh.query.terms": {"whoosh.lang.morph_en": ("variations",)},
    "whoosh.filedb.filestore": {"tempfile": ("gettempdir",), "threading": ("Lock",)},
    "whoosh.filedb.compound": {"shutil": ("copyfileobj",), "threading": ("Lock",)},
    "whoosh.util": {"random": ("choice", "randint")},
    "whoosh.classify": {"random": ("sample",)},
    "whoosh.util.times": {"calendar": ("monthrange",)},
    "dataclasses": {"inspect": ("signature",)},
    "whoosh.searching": {"whoosh.highlight": ()},
    "whoosh.codec.base": {"whoosh.automata.lev": ()},
    "whoosh.filedb.filetables": {"hashlib": ("md5",)},
}
# A function a stand-in takes from a lighter module with the same results, where Python has
# it: W3's term index hashes each key looked up with MD5, and the standard library's own MD5
# loads in 0.4 ms where hashlib's (OpenSSL's) takes 2.5.
LIGHTER = {("hashlib", "md5"): "_md5"}


def _deferred(module: str, name: str) -> Callable:
    """A function that imports ``module`` (or the lighter one) at its first call, then calls
    its ``name`` with the same arguments."""
    found = None

    def call(*args, **kwargs):
        nonlocal found
        if found is None:
            found = getattr(_real(module, name), name)
        return found(*args, **kwargs)

    call.__name__ = name
    return call


def _real(module: str, name: str) -> ModuleType:
    """The module that a stand-in's ``name`` comes from (``LIGHTER``'s, where Python has it)."""
    lighter = LIGHTER.get((module, name))
    if lighter is not None:
        try:
            return import_module(lighter)
        except ImportError:  # a Python built without it: OpenSSL's
            pass
    return import_module(module)


class StandinLoader(SourceFileLoader):
    """Runs a Whoosh module with stand-ins for modules it imports, then removes them."""

    def exec_module(self, module: ModuleType) -> None:
        standins = {
            target: _standin(target, names)
            for target, names in STANDINS[self.name].items()
            if target not in sys.modules  # already loaded for real: nothing to save
        }
        sys.modules.update(standins)
        try:
            super().exec_module(module)
        finally:
            for target, standin in standins.items():
                if sys.modules.get(target) is standin:
                    del sys.modules[target]


def _standin(target: str, names: tuple[str, ...]) -> ModuleType:
    """A module named ``target`` whose ``names`` are functions that load the real one, and
    whose every other attribute is the real one's (loaded then): for ``import target``."""
    standin = ModuleType(target)
    for name in names:
        setattr(standin, name, _deferred(target, name))

    def real(name: str):
        # not while it stands in (the import system asks it for __spec__ and the like)
        if name.startswith("__") or sys.modules.get(target) is standin:
            raise AttributeError(f"module {target!r} has no attribute {name!r}")
        return getattr(import_module(target), name)

    standin.__getattr__ = real
    return standin


class StandinFinder:
    """A meta path finder that gives the modules of STANDINS the ``StandinLoader``."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):
        if name not in STANDINS:
            return None
        spec = PathFinder.find_spec(name, path)
        if spec is not None and isinstance(spec.loader, SourceFileLoader):
            spec.loader = StandinLoader(spec.loader.name, spec.loader.path)
        return spec


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, StandinFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, StandinFinder())
