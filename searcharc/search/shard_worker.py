"""A shard's worker process: ``python -m searcharc.search.shard_worker SHARD_FOLDER`` answers
the pickled calls of ``searcharc.search.workers.Worker`` on its standard input and output,
until its input ends (Ctrl-C, which the terminal sends to every process of its group, is its
caller's to act on: no traceback here)."""

import signal
import sys
from pathlib import Path

from searcharc.search.workers import serve

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    calls, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers on the pipe
    serve(Path(sys.argv[1]), calls, answers)
