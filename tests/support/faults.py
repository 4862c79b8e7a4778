"""Fault points for the real-process tests: a worker stops at a named point.

A worker process started with FAULT_DIR, FAULT_POINT and FAULT_AFTER=n counts
the times it passes that point; the first process to reach its n-th pass
takes the `armed` file in FAULT_DIR (removing a file is atomic, so only one
process across all workers does), writes its pid to `reached` and waits until
the test creates `go`. The test injects the fault meanwhile: it SIGKILLs that
process, or stops Redis and lets the process run on.

Nothing else is simulated: the worker, its broker, its database and the email
backend that writes files are the real ones.
"""

import os
import time
from collections import Counter
from pathlib import Path

WAIT_SECONDS = 120
_passes: Counter = Counter()


def fault_point(name: str) -> None:
    """Stop here on the configured pass, once across every worker process."""
    if os.environ.get("FAULT_POINT") != name:
        return
    _passes[name] += 1
    if _passes[name] != int(os.environ.get("FAULT_AFTER", "1")):
        return
    directory = Path(os.environ["FAULT_DIR"])
    try:
        (directory / "armed").unlink()
    except FileNotFoundError:
        return
    partial = directory / "reached.part"
    partial.write_text(str(os.getpid()))
    partial.rename(directory / "reached")
    deadline = time.monotonic() + WAIT_SECONDS
    while not (directory / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
