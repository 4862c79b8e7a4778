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
        outcome = answer_submit(
            rep_id=rep.id,
            prompt_id=prompt.id,
            choice_ids=[choice.id],
            confidence="guess",
            idempotency_key=f"k{i}",
            now=timezone.now(),
        )
    result = question_peer_distribution(question_id=question.id)
    assert result.total == 3
    assert [(c.count, round(c.share, 2)) for c in result.choices] == [
        (2, 0.67),
        (1, 0.33),
        (0, 0.0),
        (0, 0.0),
    ]
    assert result.choices[0].is_correct
    # The answer path counts its own answer without reading the counters again.
    assert outcome.feedback.peers == result


def test_counts_match_the_answer_log_after_a_multiple_choice_answer(team):
    question = QuestionFactory(
        module__methodology__organization=team.organization,
        kind="multiple_choice",
    )
    a, b, *_ = question.choices.all()
    rep = RepProfileFactory(team=team).user
    answer_submit(
        rep_id=rep.id,
        prompt_id=make_prompt(rep=rep, question=question).id,
        choice_ids=[a.id, b.id],
        confidence="certain",
        idempotency_key="multi",
        now=timezone.now(),
    )
    result = question_peer_distribution(question_id=question.id)
    assert result.total == 1
    assert [c.count for c in result.choices][:2] == [1, 1]


def test_no_answers_yet_is_all_zero(question):
    result = question_peer_distribution(question_id=question.id)
    assert result.total == 0 and all(c.share == 0 for c in result.choices)
