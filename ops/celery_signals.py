"""Celery signal receivers: task latency, and each worker host's metrics server.

A worker host serves its own /metrics (all its pool processes, summed) on
WORKER_METRICS_PORT: Prometheus scrapes every host, as it scrapes the web.
"""

import logging
import os
import time

from celery import signals
from prometheus_client import start_http_server

from ops import metrics

logger = logging.getLogger(__name__)
_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    if started is not None and task is not None:
        metrics.TASK_SECONDS.labels(task=task.name, state=state or "UNKNOWN").observe(
            time.monotonic() - started
        )


@signals.worker_init.connect
def _metrics_server_start(**kwargs):
    port = os.environ.get("WORKER_METRICS_PORT")
    if not port:
        return
    metrics.multiprocess_dir_reset()
    address = os.environ.get("WORKER_METRICS_ADDR", "0.0.0.0")
    start_http_server(int(port), addr=address, registry=metrics.registry())
    logger.info("worker metrics on %s:%s", address, port)


@signals.worker_process_shutdown.connect
def _pool_process_gone(pid=None, **kwargs):
    metrics.process_dead(pid or os.getpid())
