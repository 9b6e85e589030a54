"""The callbacks through which an index run reports its progress (no heavy imports here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from searcharc.ingest import Input, Skipped


class Progress:
    """Callbacks a front end implements to show a run going (all optional)."""

    def start(self, total_bytes: int) -> None: ...
    def advance(self, item: Input, articles: int) -> None: ...
    def skipped(self, skipped: Skipped) -> None: ...
