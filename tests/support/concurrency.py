import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_concurrently(fn: Callable[[], Any], *, threads: int = 2) -> tuple[list, list]:
    """Start fn in several threads at the same instant; return (results, errors).

    Each thread uses its own database connection, as separate requests or
    workers would, and closes it when done.
    """
    barrier = threading.Barrier(threads)
    results: list = []
    errors: list = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - returned to the test to assert
            errors.append(exc)
        finally:
            connection.close()

    started = [threading.Thread(target=worker) for _ in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    return results, errors
