import pytest
from django.utils import timezone

from reinforcement.selectors.peers import question_peer_distribution
from reinforcement.services.answers import answer_submit
from tests.factories.enablement import QuestionFactory, RepProfileFactory
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db


def test_counts_each_choice_across_the_organization(team):
    question = QuestionFactory(module__methodology__organization=team.organization)
    choices = list(question.choices.all())
    picks = [choices[0], choices[0], choices[1]]
    for i, choice in enumerate(picks):
        rep = RepProfileFactory(team=team).user
        prompt = make_prompt(rep=rep, question=question)
        answer_submit(
            rep_id=rep.id,
            prompt_id=prompt.id,
            choice_ids=[choice.id],
            confidence="guess",
            idempotency_key=f"k{i}",
            now=timezone.now(),
        )
    result = question_peer_distribution(
        question_id=question.id, organization_id=team.organization_id
    )
    assert result.total == 3
    assert [(c.count, round(c.share, 2)) for c in result.choices] == [
        (2, 0.67),
        (1, 0.33),
        (0, 0.0),
        (0, 0.0),
    ]
    assert result.choices[0].is_correct


def test_no_answers_yet_is_all_zero(question):
    result = question_peer_distribution(
        question_id=question.id,
        organization_id=question.module.methodology.organization_id,
    )
    assert result.total == 0 and all(c.share == 0 for c in result.choices)
