"""Whoosh, loaded without two modules it imports at start-up and searcharc never calls.

``whoosh.compat`` imports ``urllib.request`` (and with it http.client, email, ssl) for
``urlretrieve``; ``whoosh.query.terms`` imports ``whoosh.lang.morph_en`` (English word
variations, one very large regular expression) for the ``Variations`` query. Together they
are a sixth of a cold `searcharc query`. While exactly those two Whoosh modules execute, each
of the two imports finds a stand-in whose function loads the real module on its first call;
every other importer, before or after, gets the real module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from importlib.machinery import PathFinder, SourceFileLoader
from types import ModuleType

# Whoosh module → (module it imports, the names it takes from it)
STANDINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "whoosh.compat": ("urllib.request", ("urlretrieve",)),
    "whoosh.query.terms": ("whoosh.lang.morph_en", ("variations",)),
}


def _deferred(module: str, name: str) -> Callable:
    """A function that imports ``module`` and calls its ``name`` with the same arguments."""

    def call(*args, **kwargs):
        return getattr(import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call


class StandinLoader(SourceFileLoader):
    """Runs a Whoosh module with a stand-in for one module it imports, then removes it."""

    def exec_module(self, module: ModuleType) -> None:
        target, names = STANDINS[self.name]
        if target in sys.modules:  # already loaded for real: nothing to save
            super().exec_module(module)
            return
        standin = ModuleType(target)
        for name in names:
            setattr(standin, name, _deferred(target, name))
        sys.modules[target] = standin
        try:
            super().exec_module(module)
        finally:
            if sys.modules.get(target) is standin:
                del sys.modules[target]


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
