"""Re-planning in a real worker: enrolled after the plan, the rep still gets today's dose."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from reinforcement.models import DailyPlan, Delivery, Prompt, ReplanRequest
from reinforcement.services.planning import plans_create
from reinforcement.tasks import plans_replan_task
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_team_enrolled_after_beat_planned_it_gets_a_full_dose_delivered_once(
    start_worker,
):
    """Beat planned the new team empty; the enrollment is saved; the worker's
    re-plan gives each rep a full first dose and delivers it once."""
    team = TeamFactory()
    reps = [
        RepProfileFactory(team=team, delivery_hour=0, working_days="1234567").user
        for _ in range(2)
    ]
    plans_create(rep_ids=[r.id for r in reps], now=timezone.now())
    assert not Prompt.objects.exists()
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(5, module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date.today())
    start_worker()

    assert plans_replan_task.delay().get(timeout=60) == 2
    plans_replan_task.delay().get(timeout=60)  # a second run finds nothing to do

    deadline = time.monotonic() + 60
    while Delivery.objects.filter(status="sent").count() < 4:
        assert time.monotonic() < deadline, list(Delivery.objects.values())
        time.sleep(0.3)
    for rep in reps:
        assert Prompt.objects.filter(rep=rep, status="delivered").count() == 3
    assert Delivery.objects.count() == 4  # inbox and email, once per rep
    assert DailyPlan.objects.count() == 2
    assert not ReplanRequest.objects.exists()
