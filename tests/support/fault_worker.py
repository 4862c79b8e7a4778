"""The Celery app of the fault tests' workers: ours, plus one fault point.

Start a worker with `celery -A tests.support.fault_worker worker`. The point
`plan_fanout` is passed before each delivery task that planning enqueues
after its commit, so a test can stop the worker in the middle of that loop.
"""

from celery import current_task
from celery.signals import before_task_publish

from config.celery_app import app
from tests.support.faults import fault_point

__all__ = ["app"]


@before_task_publish.connect
def _plan_fanout_point(sender=None, **kwargs):
    task = current_task
    if (
        sender == "reinforcement.tasks.plan_deliver_task"
        and task
        and task.name == "reinforcement.tasks.plans_create_task"
    ):
        fault_point("plan_fanout")
