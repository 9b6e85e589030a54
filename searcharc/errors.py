"""The one exception type the CLI turns into a one-line message and exit status 2."""


class SearcharcError(Exception):
    """A problem the user can act on; its message is one line."""


class StaleRequest(SearcharcError):
    """A shard was asked for the hits of a request found at a commit it no longer reads."""
