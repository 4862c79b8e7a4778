"""A rep's own KPIs never show choice-level statistics of a question open for them.

Which choice a rep got wrong on a true/false question they are about to be
asked again is its answer. Managers and admins keep those statistics; the rep
gets them back once the question is no longer open.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from enablement.models import Question
from reinforcement.models import Prompt, RepChoiceStat, RepQuestionStat
from tests.factories.enablement import QuestionFactory, RepProfileFactory, UserFactory
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db

WRONG = "The opposite statement"


@pytest.fixture
def world():
    profile = RepProfileFactory()
    rep, team = profile.user, profile.team
    manager = UserFactory(username="mgr")
    team.managers.add(manager)
    admin = UserFactory(username="adm")
    team.organization.admins.add(admin)
    question = QuestionFactory(
        module__methodology__organization=team.organization,
        kind=Question.Kind.TRUE_FALSE,
        choices=[("The statement", True), (WRONG, False)],
    )
    wrong = question.choices.get(is_correct=False)
    RepQuestionStat.objects.create(
        rep=rep, question=question, topic=question.topic, answers=1, correct=0,
        certain_wrong=1, first_correct=False,
    )  # fmt: skip
    RepChoiceStat.objects.create(
        rep=rep, question=question, choice=wrong, picks=1, certain_picks=1
    )
    prompt = make_prompt(rep=rep, question=question)
    return rep, manager, admin, prompt


def kpis(user, name):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(reverse(f"kpis:{name}"))
    assert response.status_code == 200, response.content
    return response.content.decode()


@pytest.mark.parametrize("name", ["content", "misconceptions"])
def test_a_rep_never_sees_the_wrong_choice_of_a_question_open_for_them(world, name):
    rep, manager, admin, prompt = world
    assert WRONG not in kpis(rep, name)
    assert WRONG in kpis(manager, name) and WRONG in kpis(admin, name)
    prompt.status = Prompt.Status.ANSWERED
    prompt.save(update_fields=["status"])
    assert WRONG in kpis(rep, name)


def test_the_rep_keeps_the_question_level_figures(world):
    rep = world[0]
    rows = APIClient()
    rows.force_authenticate(rep)
    data = rows.get(reverse("kpis:content")).json()
    results = data["results"] if isinstance(data, dict) else data
    assert len(results) == 1 and results[0]["wrong_choices"] == []
    assert results[0]["answers"] == 1
