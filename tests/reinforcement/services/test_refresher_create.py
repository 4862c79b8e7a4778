import datetime as dt

import pytest
from django.utils import timezone

from reinforcement.models import MemoryState, Prompt
from reinforcement.selectors.reps import rep_situation_get
from reinforcement.services.answers import answer_submit
from reinforcement.services.refresher import RefresherRejected, refresher_create
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    TopicFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(organization):
    return TopicFactory(organization=organization)


@pytest.fixture
def questions(rep_profile, topic):
    module = ModuleFactory(methodology__organization=rep_profile.team.organization)
    EnrollmentFactory(module=module, team=rep_profile.team)
    return [QuestionFactory(module=module, topic=topic) for _ in range(4)]


def situation(rep):
    return rep_situation_get(rep_id=rep.id, now=timezone.now())


def review(rep, question, days_ago, stability):
    at = timezone.now() - dt.timedelta(days=days_ago)
    prompt = make_prompt(rep=rep, question=question, local_date=at.date())
    answer_submit(
        rep_id=rep.id,
        prompt_id=prompt.id,
        choice_ids=[question.choices.get(is_correct=True).id],
        confidence="certain",
        idempotency_key=f"r{question.id}",
        now=at,
    )
    MemoryState.objects.filter(rep=rep, question=question).update(stability=stability)


def test_weakest_reviewed_questions_come_first_then_new_ones(rep, topic, questions):
    # given: q0 well kept, q1 nearly forgotten, q2 and q3 never asked
    review(rep, questions[0], days_ago=5, stability=100.0)
    review(rep, questions[1], days_ago=5, stability=1.0)
    # when
    prompts = refresher_create(
        situation=situation(rep), now=timezone.now(), topic_id=topic.id, size=3
    )
    # then
    assert [p.question_id for p in prompts] == [
        questions[1].id,
        questions[0].id,
        questions[2].id,
    ]
    assert all(p.source == Prompt.Source.REFRESHER and p.is_open for p in prompts)


def test_an_open_prompt_is_reused_not_duplicated(rep, topic, questions):
    daily = make_prompt(rep=rep, question=questions[0])
    prompts = refresher_create(
        situation=situation(rep), now=timezone.now(), topic_id=topic.id, size=4
    )
    assert daily.id in {p.id for p in prompts}
    again = refresher_create(
        situation=situation(rep), now=timezone.now(), topic_id=topic.id, size=4
    )
    assert {p.id for p in again} == {p.id for p in prompts}
    assert Prompt.objects.filter(rep=rep).count() == 4


def test_everything_practised_today_is_refused(rep, topic, questions):
    for q in questions:
        make_prompt(rep=rep, question=q, status=Prompt.Status.ANSWERED)
    with pytest.raises(RefresherRejected, match="practised every question"):
        refresher_create(
            situation=situation(rep), now=timezone.now(), topic_id=topic.id
        )


def test_another_organizations_topic_is_not_found(rep, questions):
    with pytest.raises(RefresherRejected, match="No such topic") as exc:
        refresher_create(
            situation=situation(rep), now=timezone.now(), topic_id=TopicFactory().id
        )
    assert exc.value.code == "not_found"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({}, "invalid_target"), ({"topic_id": 1, "module_id": 1}, "invalid_target"),
     ({"topic_id": 1, "size": 0}, "invalid_size")],
)  # fmt: skip
def test_bad_arguments_are_refused(rep, questions, kwargs, code):
    with pytest.raises(RefresherRejected) as exc:
        refresher_create(situation=situation(rep), now=timezone.now(), **kwargs)
    assert exc.value.code == code
