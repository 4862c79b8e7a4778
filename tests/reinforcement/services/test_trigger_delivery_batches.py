"""Triggered refreshers are delivered in batches through the outbox: every
refresher of a batch once, a batch run twice sends nothing twice, one failing
send leaves the rest delivered and itself retried, and the enqueue chunks the
refreshers into batches on their own queue (reinforcement/services/delivery_send.py)."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError as BrokerError

from config.celery_app import app
from reinforcement import tasks
from reinforcement.models import Delivery, Prompt
from reinforcement.services import delivery as delivery_module
from reinforcement.services.delivery import (
    DeliveryTransientError,
    deliveries_sweep,
    triggers_deliver,
)
from reinforcement.services.refresher_triggered import refresher_triggered_create
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 11, tzinfo=dt.UTC)  # a Tuesday, in the window
BACKOFF = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_BACKOFF_SECONDS)
LEASE = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_LEASE_SECONDS)


def refreshers(count: int, *, email: bool = True) -> list[int]:
    """`count` reps of one team, each with a triggered refresher of 2 questions."""
    team = TeamFactory(organization__email_delivery=email)
    topic = TopicFactory(organization=team.organization, name="Pain")
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(3, module=module, topic=topic)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    reps = [
        RepProfileFactory(team=team, working_days="1234567").user for _ in range(count)
    ]
    return [
        refresher_triggered_create(
            rep_id=rep.pk,
            topic_ids=[topic.pk],
            label=f"Refresher for Deal {n}",
            reference=f"test:{team.pk}:{n}",
            now=NOW,
            size=2,
        ).pk
        for n, rep in enumerate(reps)
    ]


def emails_per_rep() -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in mail.outbox:
        for to in message.to:
            counts[to] = counts.get(to, 0) + 1
    return counts


def test_a_batch_delivers_every_refresher_once_on_every_channel():
    """One task for five refreshers: each rep's inbox and email sent once,
    their prompts delivered; the task run again (a retry) sends nothing."""
    ids = refreshers(5)

    result = tasks.triggers_deliver_task.apply(kwargs={"trigger_ids": ids}).get()

    assert result == {"sent": 10}
    assert Delivery.objects.filter(status="sent", attempts=1).count() == 10
    assert sorted(m.subject for m in mail.outbox) == [
        f"Refresher for Deal {n}" for n in range(5)
    ]
    assert set(emails_per_rep().values()) == {1} and len(emails_per_rep()) == 5
    assert set(Prompt.objects.values_list("status", flat=True)) == {"delivered"}
    assert tasks.triggers_deliver_task.apply(kwargs={"trigger_ids": ids}).get() == {
        "sent": 10
    }
    assert len(mail.outbox) == 5
    assert Delivery.objects.filter(attempts=1).count() == 10  # nothing re-claimed


def test_the_inbox_of_a_batch_costs_the_same_queries_whatever_its_size():
    """Inbox-only refreshers: 3 and 12 in a batch take the same number of queries."""
    small, large = refreshers(3, email=False), refreshers(12, email=False)
    counts = []
    for ids in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert triggers_deliver(trigger_ids=ids, now=NOW) == {"sent": len(ids)}
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Prompt.objects.filter(status="delivered").count() == 2 * 15


def test_a_batch_that_died_mid_send_is_retried_and_sends_nothing_twice(monkeypatch):
    """The worker dies at the third email (before it went out): the redelivered
    task sends the third to fifth once; the two sent before are not sent again."""
    ids = refreshers(5)
    real_send = delivery_module.SENDERS["email"]
    calls = []

    class WorkerDied(BaseException):
        """Stands for a SIGKILL: nothing after it runs in the process."""

    def dies_at_the_third(plan, prompts):
        calls.append(plan.pk)
        if len(calls) == 3:
            raise WorkerDied
        real_send(plan, prompts)

    monkeypatch.setitem(delivery_module.SENDERS, "email", dies_at_the_third)
    with pytest.raises(WorkerDied):
        triggers_deliver(trigger_ids=ids, now=NOW)
    assert len(mail.outbox) == 2
    dead = Delivery.objects.get(trigger_id=calls[2], channel="email")
    assert (dead.status, dead.attempts) == ("pending", 1)
    assert dead.next_attempt_at == NOW + LEASE
    # The emails after it were not reached: not counted, still due as before.
    assert Delivery.objects.filter(channel="email", attempts=0).count() == 2
    assert Delivery.objects.filter(channel="inbox", status="sent").count() == 5

    assert triggers_deliver(trigger_ids=ids, now=NOW) == {"sent": 10}
    assert len(mail.outbox) == 5 and set(emails_per_rep().values()) == {1}
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == ("sent", 2)


def test_one_failing_send_leaves_the_rest_delivered_and_is_retried(monkeypatch):
    """The second refresher's email fails: the other four go out, the failure
    is recorded on its row with the backoff, the sweeper re-drives it then
    and it is sent once."""
    ids = refreshers(5)
    real_send = delivery_module.SENDERS["email"]

    def second_fails(plan, prompts):
        if plan.pk == ids[1]:
            raise DeliveryTransientError("smtp: 451 try later")
        real_send(plan, prompts)

    monkeypatch.setitem(delivery_module.SENDERS, "email", second_fails)
    assert triggers_deliver(trigger_ids=ids, now=NOW) == {"sent": 9, "pending": 1}
    failed = Delivery.objects.get(status="pending")
    assert (failed.trigger_id, failed.channel, failed.attempts) == (ids[1], "email", 1)
    assert failed.last_error == "smtp: 451 try later"
    assert failed.next_attempt_at == NOW + BACKOFF
    assert len(mail.outbox) == 4

    monkeypatch.setitem(delivery_module.SENDERS, "email", real_send)
    later = NOW + BACKOFF
    assert deliveries_sweep(now=later - dt.timedelta(seconds=1), owner="trigger") == []
    assert deliveries_sweep(now=later, owner="trigger") == [ids[1]]
    assert triggers_deliver(trigger_ids=[ids[1]], now=later) == {"sent": 2}
    assert len(mail.outbox) == 5 and set(emails_per_rep().values()) == {1}


def test_an_unexpected_error_in_one_send_spares_the_rest_of_the_batch(monkeypatch):
    """A bug in one send (not a channel failure) is raised after the others
    were sent; its row waits its lease for the sweeper."""
    ids = refreshers(3)
    real_send = delivery_module.SENDERS["email"]

    def first_is_broken(plan, prompts):
        if plan.pk == ids[0]:
            raise KeyError("template")
        real_send(plan, prompts)

    monkeypatch.setitem(delivery_module.SENDERS, "email", first_is_broken)
    with pytest.raises(KeyError):
        triggers_deliver(trigger_ids=ids, now=NOW)
    assert len(mail.outbox) == 2
    broken = Delivery.objects.get(trigger_id=ids[0], channel="email")
    assert (broken.status, broken.next_attempt_at) == ("pending", NOW + LEASE)
    assert deliveries_sweep(now=NOW + LEASE, owner="trigger") == [ids[0]]


def test_a_rep_who_left_is_canceled_and_the_batch_goes_on():
    ids = refreshers(3)
    leaver = Prompt.objects.filter(trigger_id=ids[1]).first().rep
    leaver.is_active = False
    leaver.save()

    assert triggers_deliver(trigger_ids=ids, now=NOW) == {"sent": 4, "canceled": 2}
    assert set(
        Delivery.objects.filter(trigger_id=ids[1]).values_list("status", "last_error")
    ) == {("canceled", "the rep left")}
    assert len(mail.outbox) == 2


def test_the_enqueue_sends_one_task_per_batch_and_stops_at_a_broker_failure(
    monkeypatch, settings
):
    """Five refreshers in batches of two: three tasks; with the broker failing
    at the second, the rest is left to the sweeper."""
    settings.REINFORCEMENT_TRIGGER_DELIVERY_BATCH = 2
    published = []
    monkeypatch.setattr(
        tasks.triggers_deliver_task,
        "delay",
        lambda *, trigger_ids: published.append(trigger_ids),
    )
    assert tasks.trigger_deliveries_enqueue([1, 2, 3, 4, 5]) == 5
    assert published == [[1, 2], [3, 4], [5]]

    def down_after_one(*, trigger_ids):
        if published:
            raise BrokerError("Error 111 connecting to 127.0.0.1:6379")
        published.append(trigger_ids)

    published.clear()
    monkeypatch.setattr(tasks.triggers_deliver_task, "delay", down_after_one)
    assert tasks.trigger_deliveries_enqueue([1, 2, 3, 4, 5]) == 2
    assert published == [[1, 2]]


def test_refresher_batches_have_a_queue_of_their_own_that_a_plain_worker_consumes():
    """Published to the test Redis with both queues declared, as a worker does:
    a refresher batch lands in "deliveries" only (not behind the making tasks
    in "celery"), a plan's delivery in "celery" only, also when sent by
    exchange and key; a worker started without -Q consumes both."""
    with app.connection_for_write() as connection_:
        channel = connection_.default_channel
        for queue in app.amqp.queues.values():
            queue.bind(channel).declare()
        redis = channel.client
        redis.delete("celery", "deliveries")
        tasks.triggers_deliver_task.delay(trigger_ids=[1, 2])
        assert (redis.llen("deliveries"), redis.llen("celery")) == (1, 0)
        tasks.plan_deliver_task.delay(plan_id=1)
        assert (redis.llen("deliveries"), redis.llen("celery")) == (1, 1)
        tasks.plan_deliver_task.apply_async(
            kwargs={"plan_id": 2}, exchange="celery", routing_key="celery"
        )
        assert (redis.llen("deliveries"), redis.llen("celery")) == (1, 2)
        redis.delete("celery", "deliveries")
    assert set(app.amqp.queues) == {"celery", "deliveries"}


def test_a_lost_batch_is_enqueued_again_by_the_sweeper_in_batches(
    monkeypatch, settings
):
    """No batch task ever ran (lost to the broker): once the grace has passed,
    the sweeper task enqueues the three refreshers again, two to a batch, and
    the batches send each once."""
    settings.REINFORCEMENT_TRIGGER_DELIVERY_BATCH = 2
    ids = refreshers(3)
    published = []
    monkeypatch.setattr(
        tasks.triggers_deliver_task,
        "delay",
        lambda *, trigger_ids: published.append(trigger_ids),
    )
    monkeypatch.setattr(tasks.plan_deliver_task, "delay", lambda **kw: None)
    Delivery.objects.update(next_attempt_at=NOW)  # the grace has passed

    assert tasks.deliveries_sweep_task() == 3
    assert published == [ids[:2], ids[2:]]
    for batch in published:
        triggers_deliver(trigger_ids=batch, now=NOW)
    assert len(mail.outbox) == 3 and set(emails_per_rep().values()) == {1}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.fixture
def hanging_smtp():
    """A TCP server that accepts connections and never answers: an SMTP
    server that hangs. Yields its port."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_hanging_email_server_defers_the_batchs_other_emails(hanging_smtp, settings):
    """The first email waits out the timeout and counts a failed attempt; the
    batch's other emails are deferred to the backoff without an attempt
    (not each held for the timeout), and every inbox row is still sent."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", hanging_smtp
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    ids = refreshers(4)

    assert triggers_deliver(trigger_ids=ids, now=NOW) == {"sent": 4, "pending": 4}

    emails = Delivery.objects.filter(channel="email").order_by("pk")
    first, *rest = emails
    assert (first.attempts, first.next_attempt_at) == (1, NOW + BACKOFF)
    assert "email:" in first.last_error
    assert [(r.attempts, r.next_attempt_at) for r in rest] == [(0, NOW + BACKOFF)] * 3
    assert all(r.last_error.startswith("deferred, the server was down") for r in rest)
    # the sweeper re-drives all four at the backoff, none before
    assert (
        deliveries_sweep(now=NOW + BACKOFF - dt.timedelta(seconds=1), owner="trigger")
        == []
    )
    assert sorted(deliveries_sweep(now=NOW + BACKOFF, owner="trigger")) == sorted(ids)
