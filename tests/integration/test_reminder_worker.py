"""Reminders through two real Celery workers: three dispatchers racing and an SMTP
failure still give every untouched rep exactly one reminder, and none to a rep
who answered (docs/channels.md, "Reminders")."""

import datetime as dt
import re
import time
from collections import Counter

import pytest
from django.utils import timezone

from reinforcement.models import Prompt, Reminder
from reinforcement.services.answers import answer_submit
from reinforcement.services.delivery import plan_deliver
from reinforcement.services.planning import plans_create
from reinforcement.tasks import reminders_dispatch_task
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
REPS = 30


def midday_zone(now: dt.datetime) -> str:
    """A fixed-offset zone where it is about 13:00 now (Etc/GMT-3 is UTC+3)."""
    offset = 13 - now.hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def test_every_untouched_rep_gets_one_reminder(start_worker, tmp_path):
    # given: 30 reps whose dose went out two hours ago, at midday their time
    now = timezone.now()
    team = TeamFactory(
        organization__reminder_hour=7,
        organization__default_daily_dose=1,
        organization__new_questions_per_day=1,
    )
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory(module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    reps = [
        RepProfileFactory(
            team=team, time_zone=midday_zone(now), delivery_hour=7,
            working_days="1234567",
        ).user
        for _ in range(REPS)
    ]  # fmt: skip
    earlier = now - dt.timedelta(hours=2)
    for outcome in plans_create(
        rep_ids=[r.id for r in reps], now=earlier, ignore_delivery_hour=True
    ):
        plan_deliver(plan_id=outcome.plan_id, now=earlier)
    answered = reps[0]
    prompt = Prompt.objects.get(rep=answered)
    answer_submit(
        rep_id=answered.id, prompt_id=prompt.id,
        choice_ids=[prompt.question.choices.get(is_correct=True).pk],
        confidence="certain", idempotency_key="done", now=now,
    )  # fmt: skip
    marker = tmp_path / "fail-once"
    marker.touch()
    mail_dir = tmp_path / "mail"
    env = {
        "DJANGO_EMAIL_BACKEND": "tests.support.flaky_email.FailOnceFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "EMAIL_FAIL_ONCE_MARKER": str(marker),
        "REINFORCEMENT_DELIVERY_BACKOFF_SECONDS": "1",
    }
    start_worker(**env)
    start_worker(**env)

    # when: three dispatchers race (two beats and a rerun), then beat keeps firing
    results = [reminders_dispatch_task.delay() for _ in range(3)]
    claimed = sum(r.get(timeout=60) for r in results)
    deadline = time.monotonic() + 60
    while Reminder.objects.exclude(status="sent").exists():
        assert time.monotonic() < deadline, list(Reminder.objects.values())
        time.sleep(1.2)  # past the failed send's 1 s backoff
        reminders_dispatch_task.delay().get(timeout=60)

    # then: one reminder row and one email per untouched rep, none for the one
    # who answered; the SMTP failure was retried, not lost or doubled
    assert claimed == REPS - 1
    assert Reminder.objects.count() == REPS - 1
    assert not Reminder.objects.filter(rep=answered).exists()
    assert not marker.exists()
    assert sorted(Reminder.objects.values_list("attempts", flat=True)) == (
        [1] * (REPS - 2) + [2]
    )
    text = "".join(p.read_text() for p in mail_dir.iterdir())
    to = Counter(re.findall(r"^To: (.+)$", text, re.MULTILINE))
    assert to == Counter({r.email: 1 for r in reps[1:]})
