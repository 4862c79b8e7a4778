import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

import core.webhooks
from reinforcement import tasks
from reinforcement.models import Answer, DailyPlan, Delivery, Prompt
from reinforcement.selectors.deliveries import delivery_status_counts
from reinforcement.services import delivery as delivery_module
from reinforcement.services import planning as planning_module
from reinforcement.services.delivery import (
    DeliveryTransientError,
    deliveries_sweep,
    plan_deliver,
)
from reinforcement.services.planning import plans_create
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)
from tests.reinforcement.api.support import answer_body

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 15, tzinfo=dt.UTC)
GRACE = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_GRACE_SECONDS)
LEASE = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_LEASE_SECONDS)
BACKOFF = settings.REINFORCEMENT_DELIVERY_BACKOFF_SECONDS
CAP = settings.REINFORCEMENT_DELIVERY_MAX_ATTEMPTS


def enrolled_rep(*, slack_webhook_url=""):
    team = TeamFactory(
        organization__new_questions_per_day=2,
        organization__default_daily_dose=2,
        organization__slack_delivery=bool(slack_webhook_url),
        slack_webhook_url=slack_webhook_url,
    )
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(3, module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    return RepProfileFactory(team=team, working_days="1234567").user


@pytest.fixture
def plan_id():
    [outcome] = plans_create(rep_ids=[enrolled_rep().id], now=NOW)
    return outcome.plan_id


def always_failing_email(monkeypatch):
    def fail(plan, prompts):
        raise DeliveryTransientError("smtp down")

    monkeypatch.setitem(delivery_module.SENDERS, "email", fail)


def test_planning_writes_one_pending_delivery_per_channel_with_the_plan(plan_id):
    rows = Delivery.objects.filter(plan_id=plan_id).order_by("channel")
    assert [(d.channel, d.status, d.attempts) for d in rows] == [
        ("email", "pending", 0),
        ("inbox", "pending", 0),
    ]
    assert {d.next_attempt_at for d in rows} == {NOW + GRACE}


def test_a_plan_is_never_written_without_its_deliveries(monkeypatch):
    """A failure writing the Delivery rows rolls back the plan and its prompts."""
    rep = enrolled_rep()

    def broken(**kwargs):
        raise RuntimeError("outbox write failed")

    monkeypatch.setattr(planning_module, "deliveries_create", broken)
    with pytest.raises(RuntimeError, match="outbox write failed"):
        plans_create(rep_ids=[rep.id], now=NOW)
    assert not DailyPlan.objects.exists() and not Prompt.objects.exists()


def test_a_slack_team_gets_a_slack_delivery_row():
    rep = enrolled_rep(slack_webhook_url="https://hooks.slack.example/T1")
    [outcome] = plans_create(rep_ids=[rep.id], now=NOW)
    assert set(
        Delivery.objects.filter(plan_id=outcome.plan_id).values_list(
            "channel", flat=True
        )
    ) == {"inbox", "email", "slack"}


def test_plan_is_delivered_to_inbox_and_email_once(plan_id):
    statuses = plan_deliver(plan_id=plan_id, now=NOW)
    assert statuses == {"inbox": "sent", "email": "sent"}
    assert len(mail.outbox) == 1
    assert "2 questions for today" in mail.outbox[0].subject
    assert "Answer them here: http://127.0.0.1:8000/\n" in mail.outbox[0].body
    assert set(Prompt.objects.values_list("status", flat=True)) == {
        Prompt.Status.DELIVERED
    }
    plan_deliver(plan_id=plan_id, now=NOW)  # a duplicated task
    assert len(mail.outbox) == 1
    assert Delivery.objects.count() == 2
    assert set(Delivery.objects.values_list("attempts", "next_attempt_at")) == {
        (1, None)
    }


def test_the_task_sends_only_what_the_database_says_is_pending(plan_id):
    """A plan without Delivery rows sends nothing: tasks create no rows."""
    Delivery.objects.all().delete()
    assert plan_deliver(plan_id=plan_id, now=NOW) == {}
    assert len(mail.outbox) == 0 and not Delivery.objects.exists()


def test_a_deleted_plan_is_no_error(plan_id):
    DailyPlan.objects.all().delete()
    assert plan_deliver(plan_id=plan_id, now=NOW) == {}


def test_failed_email_waits_its_backoff_then_is_sent_once(plan_id, monkeypatch):
    # given: the first email send fails
    real_send = delivery_module.SENDERS["email"]
    calls = []

    def flaky(plan, prompts):
        calls.append(1)
        if len(calls) == 1:
            raise DeliveryTransientError("smtp down")
        real_send(plan, prompts)

    monkeypatch.setitem(delivery_module.SENDERS, "email", flaky)
    # when
    statuses = plan_deliver(plan_id=plan_id, now=NOW)
    # then: recorded on the row, due again after the backoff
    assert statuses == {"inbox": "sent", "email": "pending"}
    email = Delivery.objects.get(channel="email")
    assert email.attempts == 1 and "smtp down" in email.last_error
    assert email.next_attempt_at == NOW + dt.timedelta(seconds=BACKOFF)
    assert deliveries_sweep(now=NOW + dt.timedelta(seconds=BACKOFF - 1)) == []
    assert deliveries_sweep(now=NOW + dt.timedelta(seconds=BACKOFF)) == [plan_id]

    plan_deliver(plan_id=plan_id, now=NOW)
    plan_deliver(plan_id=plan_id, now=NOW)
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2 and email.last_error == ""
    assert len(mail.outbox) == 1


def test_backoff_doubles_and_the_cap_leaves_a_visible_failure(plan_id, monkeypatch):
    always_failing_email(monkeypatch)
    waits = []
    now = NOW
    for _ in range(CAP):
        plan_deliver(plan_id=plan_id, now=now)
        email = Delivery.objects.get(channel="email")
        if email.next_attempt_at:
            waits.append((email.next_attempt_at - now).total_seconds())
            now = email.next_attempt_at
    assert waits == [min(BACKOFF * 2**n, 3600) for n in range(CAP - 1)]
    assert email.status == "failed" and email.attempts == CAP
    assert email.last_error == "smtp down"
    assert delivery_status_counts() == {("inbox", "sent"): 1, ("email", "failed"): 1}
    assert deliveries_sweep(now=now + dt.timedelta(days=1)) == []


class WorkerDied(BaseException):
    """Stands for a SIGKILL mid-send: nothing after it runs in the process."""


def test_a_send_whose_task_died_is_retried_after_its_lease(plan_id, monkeypatch):
    # given: the email send dies after its attempt was counted
    def die(plan, prompts):
        raise WorkerDied

    monkeypatch.setitem(delivery_module.SENDERS, "email", die)
    with pytest.raises(WorkerDied):
        plan_deliver(plan_id=plan_id, now=NOW)
    email = Delivery.objects.get(channel="email")
    assert (email.status, email.attempts) == ("pending", 1)
    assert email.next_attempt_at == NOW + LEASE
    # then: the sweeper leaves it to its lease, then re-drives it
    assert deliveries_sweep(now=NOW + LEASE - dt.timedelta(seconds=1)) == []
    assert deliveries_sweep(now=NOW + LEASE) == [plan_id]
    # and a row that hit the cap by dying fails with a visible reason
    Delivery.objects.filter(pk=email.pk).update(attempts=CAP)
    assert plan_deliver(plan_id=plan_id, now=NOW)["email"] == "failed"
    email.refresh_from_db()
    assert email.last_error == f"no send finished in {CAP} attempts"
    assert len(mail.outbox) == 0


def test_sweeper_leaves_deliveries_alone_during_the_grace_period(plan_id):
    assert deliveries_sweep(now=NOW) == []
    assert deliveries_sweep(now=NOW + GRACE) == [plan_id]
    # claimed: the next sweep waits for the lease
    assert deliveries_sweep(now=NOW + GRACE + dt.timedelta(seconds=1)) == []
    assert deliveries_sweep(now=NOW + GRACE + LEASE) == [plan_id]
    plan_deliver(plan_id=plan_id, now=NOW)
    assert deliveries_sweep(now=NOW + dt.timedelta(days=1)) == []


def test_sweeper_task_enqueues_each_due_plan_once(plan_id, monkeypatch):
    enqueued = []
    monkeypatch.setattr(
        tasks.plan_deliver_task, "delay", lambda *, plan_id: enqueued.append(plan_id)
    )
    Delivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert tasks.deliveries_sweep_task() == 1
    assert enqueued == [plan_id]


def test_a_lost_enqueue_stops_the_fan_out_and_leaves_it_to_the_sweeper(monkeypatch):
    """With the broker down, planning enqueues nothing more after the first failure."""
    reps = [enrolled_rep() for _ in range(3)]
    calls = []

    def broker_down(*, plan_id):
        calls.append(plan_id)
        raise OperationalError("Error 111 connecting to localhost:6379")

    monkeypatch.setattr(tasks.plan_deliver_task, "delay", broker_down)
    outcomes = plans_create(rep_ids=[r.id for r in reps], now=NOW)
    assert tasks._deliveries_enqueue([o.plan_id for o in outcomes]) == 0
    assert len(calls) == 1
    assert Delivery.objects.filter(status="pending").count() == 6
    assert len(deliveries_sweep(now=NOW + GRACE)) == 3


def test_slack_channel_posts_to_the_team_webhook(monkeypatch):
    rep = enrolled_rep(slack_webhook_url="https://hooks.slack.example/T1")
    [outcome] = plans_create(rep_ids=[rep.id], now=NOW)
    posted = []

    class Response:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(request, timeout):
        posted.append((request.full_url, request.data))
        return Response()

    monkeypatch.setattr(core.webhooks.urllib.request, "urlopen", fake_urlopen)
    statuses = plan_deliver(plan_id=outcome.plan_id, now=NOW)
    assert statuses["slack"] == "sent"
    assert posted[0][0] == "https://hooks.slack.example/T1"
    assert b"questions for today" in posted[0][1]


def test_planned_but_undelivered_prompts_are_answerable(client):
    """A plan whose delivery never ran is listed by the Today page and API."""
    # given: planned now, no delivery task ran
    rep = enrolled_rep()
    plans_create(rep_ids=[rep.id], now=timezone.now(), ignore_delivery_hour=True)
    prompts = list(Prompt.objects.filter(rep=rep).order_by("position"))
    assert len(prompts) == 2
    assert {p.status for p in prompts} == {Prompt.Status.PLANNED}
    # when / then: the Today page shows the first one
    client.force_login(rep)
    page = client.get(reverse("rep:today")).content.decode()
    assert prompts[0].question.stem in page and "2 questions left" in page
    # and the API lists both and takes an answer
    api = APIClient()
    api.force_authenticate(rep)
    listed = api.get(reverse("api-prompt-list")).json()
    assert [p["id"] for p in listed["results"]] == [str(p.id) for p in prompts]
    response = api.post(
        reverse("api-answer-submit", args=[prompts[0].id]),
        answer_body(prompts[0]),
        format="json",
    )
    assert response.status_code == 201
    assert Answer.objects.filter(prompt=prompts[0]).count() == 1


def test_the_sweeper_runs_every_minute_and_a_late_copy_expires():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-deliveries"]
    assert entry["task"] == "reinforcement.tasks.deliveries_sweep_task"
    assert entry["schedule"] == 60.0
    assert 0 < entry["options"]["expires"] < entry["schedule"]


def test_expired_prompts_stop_counting_as_open(plan_id):
    from reinforcement.services.prompts import prompts_expire

    assert prompts_expire(now=NOW) == 0
    expired = prompts_expire(now=timezone.now() + dt.timedelta(days=30))
    assert expired == Prompt.objects.count() == 2


def test_demo_history_leaves_nothing_for_the_sweeper():
    """Simulated past days count as delivered: seeding sends no stale emails."""
    from enablement.services.demo import demo_seed
    from reinforcement.services.demo_history import demo_history_seed

    today = timezone.localdate()
    demo_seed(today=today)
    assert demo_history_seed(today=today, days=3).answers > 0
    assert Delivery.objects.exists()
    assert deliveries_sweep(now=timezone.now() + dt.timedelta(days=1)) == []


def test_migration_hands_open_plans_without_deliveries_to_the_sweeper():
    """Plans from before the outbox get their rows; closed days get none."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("reinforcement.migrations.0010_delivery_outbox")
    now = timezone.now()
    open_rep, closed_rep, stuck_rep = enrolled_rep(), enrolled_rep(), enrolled_rep()
    outcomes = plans_create(
        rep_ids=[open_rep.id, closed_rep.id, stuck_rep.id],
        now=now,
        ignore_delivery_hour=True,
    )
    plan_of = {o.rep_id: o.plan_id for o in outcomes}
    # given: as the old code left them
    Delivery.objects.filter(
        plan_id__in=[plan_of[open_rep.id], plan_of[closed_rep.id]]
    ).delete()
    Prompt.objects.filter(rep=closed_rep).update(status=Prompt.Status.EXPIRED)
    Delivery.objects.filter(plan_id=plan_of[stuck_rep.id]).update(
        status="failed", next_attempt_at=None
    )
    # when
    migration.outbox_backfill(apps, None)
    # then
    rows = Delivery.objects.values_list("plan__rep_id", "channel", "status")
    assert sorted(rows) == sorted(
        (rep.id, channel, "pending")
        for rep in (open_rep, stuck_rep)
        for channel in ("inbox", "email")
    )
    # (the migration stamps its own clock: sweep after it, however slow the machine)
    swept = deliveries_sweep(now=timezone.now() + dt.timedelta(seconds=1))
    assert sorted(swept) == sorted([plan_of[open_rep.id], plan_of[stuck_rep.id]])
