"""A shard's worker process: ``python -m searcharc.search.shard_worker SHARD_FOLDER`` answers
the pickled calls of ``searcharc.search.workers.Worker`` on its standard input and output."""

import sys
from pathlib import Path

from searcharc.search.workers import serve

if __name__ == "__main__":
    calls, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers on the pipe
    serve(Path(sys.argv[1]), calls, answers)
