import datetime as dt
from collections import Counter

import pytest

from enablement.models import Question
from reinforcement.models import PeerChoiceCount, PeerQuestionCount
from reinforcement.services.answers import answer_submit
from reinforcement.services.rollups.counters import ROLLUP_MODELS
from reinforcement.services.rollups.rebuild import rollups_rebuild
from tests.factories.enablement import (
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def counter_rows() -> dict[str, Counter]:
    """Every row of the seven counter tables, all columns but the surrogate id."""
    return {
        table: Counter(
            tuple(sorted((k, v) for k, v in row.items() if k != "id"))
            for row in model.objects.values()
        )
        for table, model in ROLLUP_MODELS.items()
    }


@pytest.fixture
def history():
    """Two reps of a team answer three questions: right, wrong, certain-wrong,
    spaced and same-day, single choice, true/false and select-all."""
    team = TeamFactory()
    reps = [RepProfileFactory(team=team).user for _ in range(2)]
    module = ModuleFactory(methodology__organization=team.organization)
    single = QuestionFactory(module=module)
    true_false = QuestionFactory(
        module=module,
        kind=Question.Kind.TRUE_FALSE,
        choices=[("True", True), ("False", False)],
    )
    select_all = QuestionFactory(
        module=module,
        kind=Question.Kind.MULTIPLE_CHOICE,
        choices=[("A", True), ("B", True), ("C", False), ("D", False)],
    )

    def choices(question):
        return list(question.choices.order_by("position").values_list("pk", flat=True))

    s, tf, sa = choices(single), choices(true_false), choices(select_all)
    steps = [
        # (rep, question, picked, confidence, days after START)
        (0, single, [s[0]], "certain", 0),
        (1, single, [s[2]], "guess", 0.1),
        (0, single, [s[1]], "certain", 3),  # spaced, certain and wrong
        (1, single, [s[2]], "certain", 3.2),  # the same wrong choice again
        (0, true_false, [tf[1]], "fairly_sure", 0),
        (0, true_false, [tf[0]], "certain", 0.2),  # same day: not spaced
        (1, true_false, [tf[0]], "guess", 9),
        (0, select_all, [sa[0], sa[2]], "certain", 1),  # half right is wrong
        (1, select_all, [sa[0], sa[1]], "fairly_sure", 1.5),
        (0, select_all, [sa[0], sa[1]], "certain", 12),  # spaced, right
        (1, select_all, [sa[2], sa[3]], "certain", 20),  # spaced, certain-wrong
    ]
    for i, (rep_i, question, picked, confidence, days) in enumerate(steps):
        now = START + dt.timedelta(days=days)
        # One prompt per question and plan day: each step has a plan day of its own.
        day = START.date() + dt.timedelta(days=i)
        prompt = make_prompt(rep=reps[rep_i], question=question, local_date=day)
        answer_submit(
            rep_id=reps[rep_i].id, prompt_id=prompt.id, choice_ids=picked,
            confidence=confidence, idempotency_key=f"h{i}", now=now,
        )  # fmt: skip
    return reps, [single, true_false, select_all]


def test_rebuild_rewrites_exactly_the_rows_the_answers_wrote(history):
    """Rebuilding from the log gives every counter row the answers wrote, value for value."""
    # given
    reps, _questions = history
    written = counter_rows()
    assert all(written.values()), "every table has rows to compare"
    # when
    read = rollups_rebuild(rep_ids=[r.id for r in reps])
    # then
    assert read == 11
    assert counter_rows() == written


def test_rebuild_restores_peer_counts_from_every_rep_of_the_questions(history):
    """Peer rows deleted by hand come back, counting the other reps' answers too."""
    # given
    reps, questions = history
    written = counter_rows()
    PeerQuestionCount.objects.all().delete()
    PeerChoiceCount.objects.all().delete()
    # when: only the first rep is rebuilt, who answered every question
    rollups_rebuild(rep_ids=[reps[0].id])
    # then
    assert counter_rows() == written
    single = PeerQuestionCount.objects.get(question=questions[0])
    assert single.answers == 4


def test_rebuild_leaves_peer_counts_of_other_questions_alone(history):
    """Only the questions the rebuilt reps answered have their peer rows rewritten."""
    # given
    reps, questions = history
    other = RepProfileFactory(team=reps[0].rep_profile.team).user
    lone = QuestionFactory(module=questions[0].module)
    prompt = make_prompt(rep=other, question=lone, local_date=START.date())
    answer_submit(
        rep_id=other.id, prompt_id=prompt.id,
        choice_ids=[lone.choices.get(is_correct=True).id],
        confidence="certain", idempotency_key="lone", now=START,
    )  # fmt: skip
    PeerQuestionCount.objects.filter(question=lone).update(answers=7)
    # when
    rollups_rebuild(rep_ids=[reps[0].id])
    # then
    assert PeerQuestionCount.objects.get(question=lone).answers == 7
