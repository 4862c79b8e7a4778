"""Reminders: one nudge per rep and local day when the dose is untouched at the
organization's hour, inside the rep's working hours, sent through the outbox."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from kombu.exceptions import OperationalError

from enablement.models import Organization, RepProfile
from reinforcement import tasks
from reinforcement.models import Prompt, Reminder
from reinforcement.services import reminders as reminders_module
from reinforcement.services.answers import answer_submit
from reinforcement.services.delivery import DeliveryTransientError, plan_deliver
from reinforcement.services.planning import plans_create
from reinforcement.services.reminders import reminder_send, reminders_dispatch
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
# A Tuesday. The rep's dose is planned and sent at 09:00 UTC, their delivery hour.
MORNING = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_LEASE_SECONDS)


def at(hour: int, minute: int = 5) -> dt.datetime:
    return MORNING.replace(hour=hour, minute=minute)


def planned_rep(*, reminder_hour=14, time_zone="UTC", slack_url="", planned=MORNING):
    team = TeamFactory(
        organization__reminder_hour=reminder_hour,
        organization__default_daily_dose=2,
        organization__new_questions_per_day=2,
        organization__slack_delivery=bool(slack_url),
        slack_webhook_url=slack_url,
    )
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(2, module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    profile = RepProfileFactory(
        team=team, time_zone=time_zone, delivery_hour=9, working_days="12345"
    )
    [outcome] = plans_create(
        rep_ids=[profile.user_id], now=planned, ignore_delivery_hour=True
    )
    plan_deliver(plan_id=outcome.plan_id, now=planned)
    mail.outbox.clear()  # the dose itself
    return profile.user


def dispatch_and_send(now: dt.datetime) -> list[str]:
    return [
        reminder_send(reminder_id=pk, now=now) for pk in reminders_dispatch(now=now)
    ]


def test_a_reminder_is_sent_once_at_the_reminder_hour():
    rep = planned_rep()
    assert dispatch_and_send(at(13, 55)) == []  # not yet
    assert dispatch_and_send(at(14)) == ["sent"]
    [message] = mail.outbox
    assert message.to == [rep.email]
    assert "2 questions are still waiting" in message.subject
    assert "/email/answer/" in message.body  # one tap from the reminder too
    assert message.extra_headers["List-Unsubscribe-Post"]
    # every later run of the day, and a duplicated send task, sends nothing
    for now in (at(14, 10), at(15), at(17, 55)):
        assert dispatch_and_send(now) == []
    [reminder] = Reminder.objects.all()
    assert reminder_send(reminder_id=reminder.pk, now=at(15)) == "sent"
    assert len(mail.outbox) == 1
    assert (reminder.local_date, reminder.channel) == (MORNING.date(), "email")


def test_no_reminder_once_any_of_the_dose_is_answered():
    rep = planned_rep()
    prompt = Prompt.objects.filter(rep=rep).first()
    answer_submit(
        rep_id=rep.id,
        prompt_id=prompt.id,
        choice_ids=[prompt.question.choices.get(is_correct=True).pk],
        confidence="certain",
        idempotency_key="k1",
        now=at(12),
    )
    assert dispatch_and_send(at(14)) == []
    assert not Reminder.objects.exists() and not mail.outbox


def test_never_at_night_in_the_reps_time_zone():
    """14:05 UTC is 23:05 in Tokyo: past the working day, no nudge."""
    planned_rep(
        time_zone="Asia/Tokyo", planned=dt.datetime(2026, 11, 24, 0, 5, tzinfo=dt.UTC)
    )
    for hour in (9, 10, 12, 14, 20, 23):
        assert dispatch_and_send(at(hour)) == []
    # 14:05 Tokyo is 05:05 UTC
    assert dispatch_and_send(dt.datetime(2026, 11, 24, 5, 5, tzinfo=dt.UTC)) == ["sent"]


def test_a_reminder_delayed_past_working_hours_is_canceled_not_sent():
    """A broker outage from 17:50 leaves the claimed row pending; the retry at
    18:00 finds it after hours and cancels it."""
    planned_rep()
    ids = reminders_dispatch(now=at(17, 50))  # claimed, but its task is lost
    assert len(ids) == 1
    assert reminders_dispatch(now=at(17, 53)) == []  # its lease holds
    assert dispatch_and_send(at(18, 1) + LEASE) == ["canceled"]
    assert Reminder.objects.get().last_error == "outside the rep's working hours"
    assert not mail.outbox


def test_a_lost_enqueue_or_a_failed_send_is_sent_once_later(monkeypatch):
    planned_rep()
    assert len(reminders_dispatch(now=at(14))) == 1  # the enqueue is lost
    again = at(14) + LEASE + dt.timedelta(seconds=1)

    def down(reminder, prompts):
        raise DeliveryTransientError("smtp down")

    monkeypatch.setitem(reminders_module.SENDERS, "email", down)
    assert dispatch_and_send(again) == ["pending"]
    assert "smtp down" in Reminder.objects.get().last_error
    monkeypatch.undo()
    retry = Reminder.objects.get().next_attempt_at
    assert dispatch_and_send(retry) == ["sent"]
    assert len(mail.outbox) == 1 and Reminder.objects.get().attempts == 3


def test_with_the_broker_down_the_claimed_reminder_is_sent_by_a_later_run(
    monkeypatch,
):
    """The enqueue fails; the row stays pending and the next run after its
    lease claims and sends it, once."""
    planned_rep()

    def broker_down(**kwargs):
        raise OperationalError("redis down")

    monkeypatch.setattr(tasks.reminders_send_task, "delay", broker_down)
    ids = reminders_dispatch(now=at(14))
    assert (
        tasks.messages_enqueue(tasks.reminders_send_task, ids, name="reminder_ids") == 0
    )
    monkeypatch.undo()
    assert Reminder.objects.get().status == "pending"
    later = at(14) + LEASE + dt.timedelta(seconds=1)
    assert dispatch_and_send(later) == ["sent"]
    assert dispatch_and_send(later + LEASE) == []
    assert len(mail.outbox) == 1


def test_no_reminders_when_the_organization_sets_no_hour_or_on_a_day_off():
    planned_rep(reminder_hour=None)
    assert dispatch_and_send(at(15)) == []
    saturday = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)
    planned_rep(planned=saturday)
    assert dispatch_and_send(saturday.replace(hour=15)) == []


def test_a_rep_without_email_is_nudged_on_the_team_slack(tmp_path):
    posts = []

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            posts.append(
                json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/services/T1"
        rep = planned_rep(slack_url=url)
        RepProfile.objects.filter(user=rep).update(channels_off="email")
        posts.clear()  # the dose's own post
        assert dispatch_and_send(at(14)) == ["sent"]
    finally:
        server.shutdown()
    assert Reminder.objects.get().channel == "slack"
    [post] = posts
    assert "still waiting" in post["text"] and not mail.outbox


def test_the_reminder_hour_is_daytime_only():
    organization = Organization(name="x", reminder_hour=22)
    with pytest.raises(ValidationError, match="less than or equal to 17"):
        organization.full_clean()


def test_a_send_that_dies_midway_is_retried_once_after_its_lease(monkeypatch):
    """A worker dying inside the send rolls its transaction back: the row stays
    pending with the attempt counted, and one later run sends it."""
    planned_rep()
    [pk] = reminders_dispatch(now=at(14))

    def killed(reminder, prompts):
        raise RuntimeError("worker killed")

    monkeypatch.setitem(reminders_module.SENDERS, "email", killed)
    with pytest.raises(RuntimeError, match="worker killed"):
        reminder_send(reminder_id=pk, now=at(14))
    monkeypatch.undo()
    row = Reminder.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert dispatch_and_send(at(14, 7)) == []  # still leased
    assert dispatch_and_send(at(14) + LEASE) == ["sent"]
    assert len(mail.outbox) == 1 and Reminder.objects.get().attempts == 2
