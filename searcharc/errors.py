"""The one exception type the CLI turns into a one-line message and exit status 2."""


class SearcharcError(Exception):
    """A problem the user can act on; its message is one line."""


class StaleRequest(SearcharcError):
    """A shard was asked for the hits of a request found at a commit it no longer reads."""


class MissingCommit(StaleRequest):
    """A shard was asked to read a commit its folder no longer (or does not yet) hold: another
    replica may hold it (a replica that missed a run, or has moved on)."""


class ShardUnavailable(SearcharcError):
    """No replica of a shard answered (dead, or past its deadline); the message names it."""

    def __init__(self, shard: int, reason: str):
        super().__init__(shard, reason)  # as given: an exception is pickled by its args
        self.shard, self.reason = shard, reason

    def __str__(self) -> str:
        return f"shard {self.shard}: {self.reason}"


class DamagedIndex(SearcharcError):
    """A file of an index folder is missing or does not decode; the message names it."""
