"""The rep's Progress page right after a first wrong answer shows what is known."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from reinforcement.kpi_rules import MIN_ANSWERS
from reinforcement.services.answers import answer_submit
from tests.factories.enablement import EnrollmentFactory, ModuleFactory, QuestionFactory
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(organization, team):
    module = ModuleFactory(methodology__organization=organization)
    EnrollmentFactory(module=module, team=team)
    return QuestionFactory(module=module)


def _answer(rep, question, *, right: bool, at: dt.datetime, key: str) -> None:
    prompt = make_prompt(rep=rep, question=question, local_date=at.date())
    choice = question.choices.filter(is_correct=right).first()
    answer_submit(rep_id=rep.pk, prompt_id=prompt.pk, choice_ids=[choice.pk],
                  confidence="certain", idempotency_key=key, now=at)  # fmt: skip


def test_progress_after_a_first_wrong_answer_shows_what_is_known(client, rep, question):
    """Not "100% retention now": 0 of 1 right, and when retention will show."""
    _answer(rep, question, right=False, at=timezone.now(), key="first")
    client.force_login(rep)
    html = client.get(reverse("rep:progress")).content.decode()
    stat = re.search(r'id="retention">(.*?)</div>', html, re.S).group(1)
    assert ">0/1<" in stat
    assert f"retention shows after {MIN_ANSWERS} answers" in stat
    assert "%" not in stat and "retention now" not in stat
    assert "not enough answers yet (1 answer)" in html  # the topic's row


def test_progress_shows_retention_once_there_are_enough_answers(client, rep, question):
    now = timezone.now()
    for i in range(MIN_ANSWERS):
        at = now - dt.timedelta(days=2 * (MIN_ANSWERS - i))
        _answer(rep, question, right=True, at=at, key=f"k{i}")
    client.force_login(rep)
    html = client.get(reverse("rep:progress")).content.decode()
    stat = re.search(r'id="retention">(.*?)</div>', html, re.S).group(1)
    assert re.search(r">\d+%<", stat) and "retention now" in stat
