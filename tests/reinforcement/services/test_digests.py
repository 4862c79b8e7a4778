"""The weekly manager digest: the teams' retention change, the coaching list's
top, misconceptions new this week and participation, once per manager per week."""

import datetime as dt

import pytest
from django.core import mail

from reinforcement.models import ManagerDigest, RepAnswerDay, RepDay, RepQuestionStat
from reinforcement.models import RepTopicSnapshot as Snapshot
from reinforcement.selectors.digests import manager_digest_content
from reinforcement.services.answers import answer_submit
from reinforcement.services.digests import digest_send, digests_dispatch
from tests.factories.enablement import (
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db
MONDAY = dt.datetime(2026, 11, 30, 7, tzinfo=dt.UTC)
WEEK = dt.date(2026, 11, 23)  # the week the digest of MONDAY reports
BEFORE = dt.date(2026, 11, 16)


def certain_wrong(rep, question, choice_text: str, when: dt.datetime) -> None:
    prompt = make_prompt(rep=rep, question=question, local_date=when.date())
    answer_submit(
        rep_id=rep.id,
        prompt_id=prompt.id,
        choice_ids=[question.choices.get(text=choice_text).pk],
        confidence="certain",
        idempotency_key=f"{question.pk}-{when:%j}",
        now=when,
    )


@pytest.fixture
def world():
    team = TeamFactory(name="Closers", organization__target_retention=0.9)
    organization = team.organization
    other_team = TeamFactory(organization=organization, name="Hunters")
    manager = UserFactory(username="mona", email="mona@example.com")
    team.managers.add(manager)
    rep = RepProfileFactory(
        team=team, user__first_name="Ada", user__last_name="Lee"
    ).user
    stranger = RepProfileFactory(
        team=other_team, user__first_name="Zed", user__last_name="Other"
    ).user
    topic = TopicFactory(organization=organization, name="Discovery")
    module = ModuleFactory(methodology__organization=organization)
    question = QuestionFactory(module=module, topic=topic, key="disc-1")
    for who in (rep, stranger):
        RepQuestionStat.objects.create(
            rep=who, question=question, topic=topic, answers=10, correct=8
        )
        RepAnswerDay.objects.create(rep=who, day=dt.date(2026, 11, 2), answers=10)
        # 80% the week before, 85% at the end of the week: +5 points
        for week, predicted in ((BEFORE, 3.2), (WEEK, 3.4)):
            Snapshot.objects.create(
                rep=who, topic=topic, week=week, introduced=4, enrolled=4,
                predicted_sum=predicted, computed_at=MONDAY,
            )  # fmt: skip
        RepDay.objects.create(rep=who, day=WEEK, delivered=3, answered_on_time=2)
    # "Wrong B" was already a confident mistake before the week; "Wrong A" is new
    old = QuestionFactory(module=module, topic=topic, key="disc-2")
    certain_wrong(rep, old, "Wrong B", dt.datetime(2026, 11, 10, 10, tzinfo=dt.UTC))
    certain_wrong(
        stranger, old, "Wrong A", dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)
    )
    for day in (24, 25):
        q = QuestionFactory(module=module, topic=topic, key=f"disc-{day}")
        certain_wrong(rep, q, "Wrong A", dt.datetime(2026, 11, day, 10, tzinfo=dt.UTC))
    certain_wrong(
        rep,
        QuestionFactory(module=module, topic=topic, key="disc-9"),
        "Wrong B",
        dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC),
    )
    again = dt.datetime(2026, 11, 26, 11, tzinfo=dt.UTC)
    prompt = make_prompt(rep=rep, question=old, local_date=again.date())
    answer_submit(
        rep_id=rep.id, prompt_id=prompt.id,
        choice_ids=[old.choices.get(text="Wrong B").pk], confidence="certain",
        idempotency_key="again", now=again,
    )  # fmt: skip
    return manager, rep, organization


def test_the_digest_reports_the_managers_teams_only(world):
    manager, rep, organization = world
    digest = manager_digest_content(manager=manager, week=WEEK, now=MONDAY)
    [section] = digest.sections
    [team] = section.teams
    assert (team.name, team.reps) == ("Closers", 1)
    assert (team.predicted_label, team.change_label) == ("85%", "+5 pts")
    assert team.participation_label == "67%" and team.delivered == 3
    assert [(c.rep.name, c.topic) for c in section.coaching][0] == ("Ada Lee", None)
    assert "Zed" not in {c.rep.name for c in section.coaching}
    new = {
        (m.question_key, m.choice_text, m.certain_picks) for m in section.misconceptions
    }
    # disc-24 and disc-25 Wrong A, disc-9 Wrong B are new; disc-2's Wrong B is
    # an old mistake, and disc-2's Wrong A was the other team's rep's
    assert new == {
        ("disc-24", "Wrong A", 1),
        ("disc-25", "Wrong A", 1),
        ("disc-9", "Wrong B", 1),
    }
    assert section.dashboard_url.endswith(f"/manager/?organization={organization.pk}")


def test_the_digest_is_written_and_sent_once_per_manager_per_week(world):
    manager, _, organization = world
    assert digests_dispatch(now=MONDAY.replace(hour=5)) == []  # before the digest hour
    assert digests_dispatch(now=MONDAY - dt.timedelta(days=1)) == []  # a Sunday
    [digest_id] = digests_dispatch(now=MONDAY)
    assert digest_send(digest_id=digest_id, now=MONDAY) == "sent"
    assert digest_send(digest_id=digest_id, now=MONDAY) == "sent"  # a duplicated task
    for later in (
        MONDAY.replace(hour=8),
        MONDAY.replace(hour=23),
        MONDAY + dt.timedelta(days=1),
    ):
        assert digests_dispatch(now=later) == []
    [message] = mail.outbox
    assert message.to == ["mona@example.com"]
    assert "23 November" in message.subject
    body = message.body
    assert "Closers (1 rep): retention 85% (+5 pts), participation 67% of 3" in body
    assert "Ada Lee, all topics: 85% predicted" in body
    assert '"Wrong A"' in body and "Hunters" not in body and "Zed" not in body
    assert f"/manager/?organization={organization.pk}" in body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Open the dashboard" in html
    assert ManagerDigest.objects.get().week == WEEK
    # the next Monday: the next week's digest
    next_monday = MONDAY + dt.timedelta(days=7)
    [next_id] = digests_dispatch(now=next_monday)
    assert ManagerDigest.objects.get(pk=next_id).week == WEEK + dt.timedelta(days=7)


def test_a_manager_who_no_longer_manages_gets_nothing(world):
    manager, _, _ = world
    [digest_id] = digests_dispatch(now=MONDAY)
    manager.managed_teams.clear()
    assert digest_send(digest_id=digest_id, now=MONDAY) == "canceled"
    assert not mail.outbox
