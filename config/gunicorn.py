"""gunicorn settings of the web service (compose.yaml, scripts/topology.py).

Usage: gunicorn -c python:config.gunicorn ops.wsgi:application
"""

import os

from ops import metrics

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers per web host; 3 suits the 2-core hosts measured in
# docs/benchmarks.md (an answer waits on the database part of its time).
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then, jittered so they do not restart together.
max_requests = 20000
max_requests_jitter = 2000
accesslog = None
errorlog = "-"


def on_starting(server):
    # Each gunicorn worker writes its metrics to files here; a fresh start
    # drops the previous run's (their pids are gone).
    metrics.multiprocess_dir_reset()


def child_exit(server, worker):
    metrics.process_dead(worker.pid)


# gunicorn's own lines (start, worker boot and exit, timeouts) as JSON, like
# the application's (production settings' LOGGING).
_json = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level"},
}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": _json},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "gunicorn.error": {
            "level": "INFO",
            "handlers": ["error_console"],
            "propagate": False,
        },
        "gunicorn.access": {
            "level": "INFO",
            "handlers": ["console"],
            "propagate": False,
        },
    },
}
