"""An adopted refit advances every memory state again under its parameters.

The expected states are the library's (fsrs-rs, ``MemoryModel.next_state``)
replay of the answers the answer path recorded, under the new parameters:
what the answer path would have stored had they been in use from the start.
"""

import datetime as dt

import pytest
from django.utils import timezone

from reinforcement.memory.scheduling import DEFAULT_PARAMETERS, MemoryModel
from reinforcement.models import Answer, MemoryModelFit, MemoryState
from reinforcement.services.answers import answer_submit
from reinforcement.services.memory_recompute import _write, memory_states_recompute
from reinforcement.services.memory_states import (
    memory_state_initial,
    question_memory_reset,
)
from tests.factories.enablement import ModuleFactory, QuestionFactory
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db
NEW = list(DEFAULT_PARAMETERS)
NEW[2], NEW[8], NEW[20] = (
    6.5,
    1.1,
    0.3,
)  # a longer taught memory, other growth and decay


def _answer(rep, question, at, *, correct, confidence, key):
    prompt = make_prompt(rep=rep, question=question, local_date=at.date())
    choice = question.choices.filter(is_correct=correct).first()
    outcome = answer_submit(
        rep_id=rep.pk, prompt_id=prompt.id, choice_ids=[choice.id],
        confidence=confidence, idempotency_key=key, now=at, refresh_inline=False,
    )  # fmt: skip
    assert not getattr(outcome, "refusal", None), outcome


def _expected(question_id, rep_id, *, taught):
    """The library's replay of the recorded answers under NEW."""
    model = MemoryModel(NEW)
    s = d = None
    if taught:
        memory = model.taught_memory()
        s, d = memory.stability, memory.difficulty
    for answer in Answer.objects.filter(
        rep_id=rep_id, question_id=question_id
    ).order_by("answered_at"):
        if answer.stability_before is None:
            s = d = None
        s, d = model.next_state(s, d, answer.rating, answer.elapsed_days or 0.0)
    return s, d


@pytest.fixture
def history(organization, rep):
    """Four questions: taught and answered, taught and never answered, met in a
    quiz, and answered then reset by a major edit and answered again."""
    module = ModuleFactory(methodology__organization=organization)
    taught, unanswered, quiz, reset = QuestionFactory.create_batch(4, module=module)
    # 17:00, so a quiz answer at +2 days and the next at 09:00 the following
    # morning are two local dates 0.67 days apart: the answer path's whole days
    # are 0 there (a same-day step), which the recompute must follow.
    start = (timezone.now() - dt.timedelta(days=80)).replace(hour=17, minute=0)
    default = MemoryModel(DEFAULT_PARAMETERS)
    for q in (taught, unanswered, reset):
        memory_state_initial(
            rep_id=rep.pk, question_id=q.pk, taught_on=start.date(), model=default,
            now=start,
        ).save()  # fmt: skip
    plan = [
        (taught, 3, True, "fairly_sure"), (taught, 9, False, "guess"),
        (taught, 10, True, "guess"), (taught, 24, True, "certain"),
        (quiz, 2, True, "guess"), (quiz, 2 + 16 / 24, True, "fairly_sure"),
        (quiz, 20, False, "fairly_sure"), (reset, 5, True, "fairly_sure"),
    ]  # fmt: skip
    for i, (q, day, correct, confidence) in enumerate(plan):
        at = start + dt.timedelta(days=day)
        _answer(rep, q, at, correct=correct, confidence=confidence, key=f"k{i}")
    question_memory_reset(question_id=reset.pk, now=start + dt.timedelta(days=30))
    _answer(rep, reset, start + dt.timedelta(days=31), correct=True,
            confidence="fairly_sure", key="after-reset")  # fmt: skip
    return {"taught": taught, "unanswered": unanswered, "quiz": quiz, "reset": reset}


def _state(rep, question):
    return MemoryState.objects.get(rep=rep, question=question)


def test_every_state_is_the_librarys_replay_under_the_new_parameters(
    organization, rep, history
):
    MemoryModelFit.objects.create(
        organization=organization, fitted_at=timezone.now(), parameters=NEW,
        previous_parameters=list(DEFAULT_PARAMETERS), adopted=True,
        train_reviews=0, holdout_reviews=0,
    )  # fmt: skip
    before = {k: _state(rep, q).stability for k, q in history.items()}

    written = memory_states_recompute(
        organization=organization, parameters=NEW, now=timezone.now()
    )

    assert written == 4
    for key, taught in (("taught", True), ("quiz", False), ("reset", False)):
        state = _state(rep, history[key])
        s, d = _expected(history[key].pk, rep.pk, taught=taught)
        assert state.stability == pytest.approx(s, rel=1e-5), key
        assert state.difficulty == pytest.approx(d, rel=1e-5), key
        assert state.stability != pytest.approx(before[key], rel=1e-3), key
        interval = MemoryModel(NEW).interval(s, organization.target_retention)
        assert state.due == pytest.approx(
            state.last_review + dt.timedelta(days=interval), abs=dt.timedelta(seconds=5)
        )
    # Taught, never answered: the new parameters' taught memory.
    unanswered = _state(rep, history["unanswered"])
    assert unanswered.stability == pytest.approx(
        MemoryModel(NEW).taught_memory().stability
    )
    assert unanswered.review_count == 0 and unanswered.due is None


def test_the_same_parameters_leave_every_state_as_the_answer_path_wrote_it(
    organization, rep, history
):
    """The recompute follows the answer path's own arithmetic (its whole days,
    its starts), so with unchanged parameters nothing moves."""
    before = {k: (_state(rep, q).stability, _state(rep, q).difficulty)
              for k, q in history.items()}  # fmt: skip

    memory_states_recompute(
        organization=organization, parameters=DEFAULT_PARAMETERS, now=timezone.now()
    )

    for key, question in history.items():
        state = _state(rep, question)
        assert (state.stability, state.difficulty) == pytest.approx(
            before[key], rel=1e-5
        ), key


def test_a_state_answered_since_it_was_read_is_not_overwritten(rep, history):
    state = _state(rep, history["taught"])
    stale = {state.pk: (99.0, 9.0, None)}

    assert (
        _write([state.pk], stale, {state.pk: state.review_count - 1}, timezone.now())
        == 0
    )

    assert _state(rep, history["taught"]).stability == state.stability
