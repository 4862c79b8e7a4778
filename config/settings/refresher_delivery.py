"""Delivery of triggered refreshers in batches, on a queue of their own
(docs/revenue.md, "Refreshers"; docs/reliability.md), read by base.py."""

import environ
from kombu import Exchange, Queue

env = environ.Env()

# Triggered refreshers one delivery task sends: the refreshers one making run
# made (revenue's MAKE_BATCH is 200), so a burst costs one task per run.
REINFORCEMENT_TRIGGER_DELIVERY_BATCH = env.int(
    "REINFORCEMENT_TRIGGER_DELIVERY_BATCH", default=200
)
# A worker started without -Q consumes every queue listed here, in turn, so
# refresher deliveries are not queued behind a burst's making tasks; a
# deployment may also run a worker of its own with `-Q deliveries`.
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Each queue its own exchange and key: Celery publishes by queue name, but on
# its default key for both, a message sent by exchange and key would land
# in both queues (and a worker lists them so).
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name), routing_key=name) for name in ("celery", "deliveries")
)
CELERY_TASK_ROUTES = {
    "reinforcement.tasks.triggers_deliver_task": {"queue": "deliveries"},
}
