"""End to end: beat's dispatcher -> planning chunks -> delivery, in real worker processes."""

import datetime as dt
import time

import pytest

from reinforcement.models import DailyPlan, Delivery, Prompt
from reinforcement.tasks import deliveries_sweep_task, plans_dispatch_task
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
EVERY_DAY = "1234567"


def wait_for(condition, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def small_organization():
    team_a = TeamFactory(
        organization__new_questions_per_day=2, organization__default_daily_dose=2
    )
    team_b = TeamFactory(organization=team_a.organization)
    module = ModuleFactory(methodology__organization=team_a.organization)
    QuestionFactory.create_batch(4, module=module)
    for team in (team_a, team_b):
        EnrollmentFactory(module=module, team=team, starts_on=dt.date(2020, 1, 1))
    reps = []
    for team, zone in [
        (team_a, "UTC"),
        (team_a, "Asia/Tokyo"),
        (team_b, "America/Chicago"),
    ]:
        reps.append(
            RepProfileFactory(
                team=team, time_zone=zone, delivery_hour=0, working_days=EVERY_DAY
            ).user
        )
    paused = RepProfileFactory(
        team=team_b, delivery_hour=0, working_days=EVERY_DAY,
        paused_until=dt.date(2099, 1, 1),
    )  # fmt: skip
    return reps, paused.user


def test_worker_plans_and_delivers_each_rep_once_despite_a_failure(
    start_worker, tmp_path
):
    # given: two workers; the first email send anywhere fails once (SMTP outage)
    reps, paused = small_organization()
    marker = tmp_path / "fail-once"
    marker.touch()
    mail_dir = tmp_path / "mail"
    env = {
        "DJANGO_EMAIL_BACKEND": "tests.support.flaky_email.FailOnceFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "EMAIL_FAIL_ONCE_MARKER": str(marker),
        # The failed email is due again after 1 s; the sweeper re-drives it.
        "REINFORCEMENT_DELIVERY_BACKOFF_SECONDS": "1",
    }
    start_worker(**env)
    start_worker(**env)

    # when: beat's dispatcher fires twice
    assert plans_dispatch_task.delay().get(timeout=60) == len(reps)
    plans_dispatch_task.delay().get(timeout=60)

    # then: one plan per rep, every email eventually sent once (beat would
    # run the sweeper every minute; here every 0.3 s)
    def all_sent():
        deliveries_sweep_task.apply_async(expires=5)
        return Delivery.objects.filter(channel="email", status="sent").count() == len(
            reps
        )

    assert wait_for(all_sent), list(
        Delivery.objects.values("channel", "status", "attempts")
    )
    assert DailyPlan.objects.count() == len(reps)
    assert not DailyPlan.objects.filter(rep=paused).exists()
    assert not marker.exists()
    emails = Delivery.objects.filter(channel="email")
    assert sorted(emails.values_list("attempts", flat=True)) == [1, 1, 2]
    messages = "".join(p.read_text() for p in mail_dir.iterdir())
    assert messages.count("Subject: Your 2 questions for today") == len(reps)
    for rep in reps:
        assert messages.count(f"To: {rep.email}") == 1
    assert set(Prompt.objects.values_list("status", flat=True)) == {
        Prompt.Status.DELIVERED
    }
