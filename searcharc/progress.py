"""The callbacks through which an index run reports its progress (no heavy imports here)."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from searcharc.ingest import Input, Skipped


class Progress:
    """Callbacks a front end implements to show a run going (all optional)."""

    def start(self, total_bytes: int) -> None: ...
    def read(self, count: int) -> None: ...  # bytes read inside the current input
    def indexed(self) -> None: ...  # one more article
    def finished(self, item: Input) -> None: ...  # the input is done
    def skipped(self, skipped: Skipped) -> None: ...
