import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from reinforcement.models import Delivery, Prompt
from reinforcement.services import delivery as delivery_module
from reinforcement.services.delivery import DeliveryTransientError, plan_deliver
from reinforcement.services.planning import plans_create
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 15, tzinfo=dt.UTC)


@pytest.fixture
def plan_id():
    team = TeamFactory(organization__new_questions_per_day=2)
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(3, module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    rep = RepProfileFactory(team=team).user
    [outcome] = plans_create(rep_ids=[rep.id], now=NOW)
    return outcome.plan_id


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


def test_failed_email_is_retried_and_sent_once(plan_id, monkeypatch):
    real_send = delivery_module.SENDERS["email"]
    calls = []

    def flaky(plan, prompts):
        calls.append(1)
        if len(calls) == 1:
            raise DeliveryTransientError("smtp down")
        real_send(plan, prompts)

    monkeypatch.setitem(delivery_module.SENDERS, "email", flaky)
    with pytest.raises(DeliveryTransientError, match="smtp down"):
        plan_deliver(plan_id=plan_id, now=NOW)
    email = Delivery.objects.get(channel="email")
    assert (
        email.status == "failed"
        and email.attempts == 1
        and "smtp down" in email.last_error
    )
    assert Delivery.objects.get(channel="inbox").status == "sent"

    plan_deliver(plan_id=plan_id, now=NOW)
    plan_deliver(plan_id=plan_id, now=NOW)
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2
    assert len(mail.outbox) == 1


def test_slack_channel_posts_to_the_team_webhook(plan_id, monkeypatch):
    from reinforcement.models import DailyPlan

    plan = DailyPlan.objects.get(pk=plan_id)
    team = plan.rep.rep_profile.team
    team.slack_webhook_url = "https://hooks.slack.example/T1"
    team.save()
    team.organization.slack_delivery = True
    team.organization.save()
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

    monkeypatch.setattr(delivery_module.urllib.request, "urlopen", fake_urlopen)
    statuses = plan_deliver(plan_id=plan_id, now=NOW)
    assert statuses["slack"] == "sent"
    assert posted[0][0] == "https://hooks.slack.example/T1"
    assert b"questions for today" in posted[0][1]


def test_expired_prompts_stop_counting_as_open(plan_id):
    from reinforcement.services.prompts import prompts_expire

    assert prompts_expire(now=NOW) == 0
    expired = prompts_expire(now=timezone.now() + dt.timedelta(days=30))
    assert expired == Prompt.objects.count() == 2
