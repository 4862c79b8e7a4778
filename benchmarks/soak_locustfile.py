"""Locust users of benchmarks/soak.py: the answer users of answer_locustfile.py,
behind the TLS proxy's header, each request's time and status logged to
SOAK_REQUEST_LOG (wall time, milliseconds, status, error) for per-minute p99."""

import os
import time

import answer_locustfile as base
from locust import events

_log = open(os.environ["SOAK_REQUEST_LOG"], "a", buffering=1 << 16)  # noqa: SIM115


@events.request.add_listener
def _record(response_time, exception, response=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    _log.write(
        f"{time.time():.3f},{response_time:.2f},{status},{int(bool(exception))}\n"
    )


@events.quitting.add_listener
def _close(**kwargs):
    _log.flush()


class SoakRep(base.Rep):
    # Production settings redirect plain HTTP; the proxy says it was TLS.
    default_headers = {"X-Forwarded-Proto": "https"}
