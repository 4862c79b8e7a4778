"""Stage-entry refreshers in a real worker on the test Redis: a task the
broker lost is recovered by the sweeper, and delivered once."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from reinforcement.models import Delivery, Prompt, PromptTrigger
from revenue.models import Opportunity, SalesStage, StageChange, StageRefresher
from revenue.signals import stage_changes_recorded
from revenue.tasks import stage_refreshers_sweep_task
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_an_entry_whose_task_the_broker_lost_is_made_by_the_sweeper_once(
    start_worker,
):
    """The ingest's signal enqueues the task; the queue is lost before a worker
    takes it (start_worker purges it, as a Redis flush would). The sweeper's
    run in the worker makes the refresher and the worker delivers it; the
    same event again makes nothing new."""
    org, change = _deal_entering_discovery()
    stage_changes_recorded.send(
        sender=None, organization_id=org.pk, stage_change_ids=[change.pk]
    )
    start_worker()  # purges the queue: the enqueued task is lost
    time.sleep(2)
    assert not StageRefresher.objects.exists()

    made = stage_refreshers_sweep_task.delay().get(timeout=60)
    assert made == 1, list(StageRefresher.objects.values("status", "detail", "due_at"))
    deadline = time.monotonic() + 60
    while Delivery.objects.filter(status="sent").count() < 2:
        assert time.monotonic() < deadline, list(Delivery.objects.values())
        time.sleep(0.3)
    trigger = PromptTrigger.objects.get()
    assert trigger.label == "Refresher for Acme (entered Discovery)"
    assert Prompt.objects.filter(trigger=trigger, status="delivered").count() == 3

    stage_changes_recorded.send(
        sender=None, organization_id=org.pk, stage_change_ids=[change.pk]
    )
    assert stage_refreshers_sweep_task.delay().get(timeout=60) == 0
    time.sleep(2)  # the re-sent event's task has run too
    assert StageRefresher.objects.get().status == "made"
    assert PromptTrigger.objects.count() == 1 and Prompt.objects.count() == 3
    assert (
        Delivery.objects.count() == 2
        and Delivery.objects.filter(status="sent").count() == 2
    )


def _deal_entering_discovery() -> tuple:
    """A rep inside their working window whose deal just entered a refreshing
    stage; (organization, the stage change), nothing sent yet."""
    team = TeamFactory()
    org = team.organization
    # Inside the working window: it starts at this hour, every day.
    hour = timezone.now().hour
    rep = RepProfileFactory(team=team, delivery_hour=hour, working_days="1234567").user
    topic = TopicFactory(organization=org, name="Pain")
    module = ModuleFactory(methodology__organization=org)
    QuestionFactory.create_batch(4, module=module, topic=topic)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2020, 1, 1))
    stage = SalesStage.objects.create(
        organization=org, name="Discovery", refresh_on_entry=True
    )
    stage.topics.add(topic)
    now = timezone.now()
    deal = Opportunity.objects.create(
        organization=org,
        external_id="hs-1",
        name="Acme",
        owner=rep,
        stage=stage,
        created_in_crm_at=now - dt.timedelta(days=1),
    )
    change = StageChange.objects.create(
        organization=org, opportunity=deal, to_stage=stage, changed_at=now, owner=rep
    )
    return org, change


def test_a_worker_of_its_own_on_the_deliveries_queue_sends_the_refreshers(
    start_worker,
):
    """docs/deploy.md's split: a worker on `-Q celery` makes the refresher but
    leaves its delivery to the `deliveries` queue; a second worker on
    `-Q deliveries` sends it, each channel once."""
    org, change = _deal_entering_discovery()
    start_worker(queues="celery")
    stage_changes_recorded.send(
        sender=None, organization_id=org.pk, stage_change_ids=[change.pk]
    )
    deadline = time.monotonic() + 60
    while not StageRefresher.objects.filter(status="made").exists():
        assert time.monotonic() < deadline, list(StageRefresher.objects.values())
        time.sleep(0.3)
    time.sleep(3)  # time enough for a wrongly routed delivery to be sent
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}

    start_worker(queues="deliveries")
    deadline = time.monotonic() + 60
    while Delivery.objects.filter(status="sent").count() < 2:
        assert time.monotonic() < deadline, list(Delivery.objects.values())
        time.sleep(0.3)
    assert Delivery.objects.count() == 2
