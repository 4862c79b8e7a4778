import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from enablement.models import Question
from reinforcement.memory.scheduling import Rating
from reinforcement.models import Answer, MemoryState, Prompt
from reinforcement.services.answers import AnswerRejected, answer_submit
from tests.factories.enablement import QuestionFactory, RepProfileFactory
from tests.factories.reinforcement import make_prompt
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(rep_profile):
    question = QuestionFactory(
        module__methodology__organization=rep_profile.team.organization
    )
    prompt = make_prompt(rep=rep_profile.user, question=question)
    right = question.choices.get(is_correct=True)
    wrong = question.choices.filter(is_correct=False).first()
    return rep_profile.user, question, prompt, right, wrong


def submit(rep, prompt, choices, key="k1", confidence="fairly_sure", **kw):
    kw.setdefault("now", timezone.now())
    return answer_submit(
        rep_id=rep.id,
        prompt_id=prompt.id,
        choice_ids=[c.id for c in choices],
        confidence=confidence,
        idempotency_key=key,
        **kw,
    )


def nothing_written(prompt):
    prompt.refresh_from_db()
    return (
        not Answer.objects.exists()
        and prompt.status == Prompt.Status.DELIVERED
        and not MemoryState.objects.filter(review_count__gt=0).exists()
    )


def test_right_answer_updates_memory_and_closes_prompt(setup):
    rep, question, prompt, right, _ = setup
    outcome = submit(rep, prompt, [right], response_ms=4200)
    answer = outcome.answer
    assert answer.correct and answer.rating == Rating.GOOD and not outcome.replayed
    assert answer.predicted_recall is None and answer.stability_before is None
    assert answer.choice_count == 4 and answer.on_time and answer.response_ms == 4200
    state = MemoryState.objects.get(rep=rep, question=question)
    assert state.review_count == 1 and state.stability == pytest.approx(
        answer.stability_after
    )
    assert state.due > answer.answered_at
    prompt.refresh_from_db()
    assert prompt.status == Prompt.Status.ANSWERED
    assert outcome.correct_choice_ids == [right.id]


def test_second_review_records_elapsed_time_and_prediction(setup):
    rep, question, prompt, right, wrong = setup
    first = timezone.now() - dt.timedelta(days=10)
    submit(rep, prompt, [right], now=first)
    later = make_prompt(
        rep=rep, question=question, local_date=prompt.local_date + dt.timedelta(days=10)
    )
    answer = submit(rep, later, [wrong], key="k2", confidence="certain").answer
    assert answer.elapsed_days == pytest.approx(10, abs=0.01)
    assert 0 < answer.predicted_recall < 1
    assert answer.rating == Rating.AGAIN and not answer.correct
    assert answer.stability_after < answer.stability_before
    state = MemoryState.objects.get(rep=rep, question=question)
    assert state.lapse_count == 1 and state.state == MemoryState.State.RELEARNING


def test_same_key_replays_the_same_result(setup):
    rep, _, prompt, right, _ = setup
    first = submit(rep, prompt, [right])
    again = submit(rep, prompt, [right])
    assert again.replayed and again.answer.pk == first.answer.pk
    assert Answer.objects.count() == 1
    assert MemoryState.objects.get().review_count == 1


def test_another_key_on_an_answered_prompt_is_refused(setup):
    rep, _, prompt, right, _ = setup
    submit(rep, prompt, [right])
    with pytest.raises(AnswerRejected, match="already been answered"):
        submit(rep, prompt, [right], key="other")
    assert Answer.objects.count() == 1


def test_late_answer_to_expired_prompt_counts_as_review_not_on_time(setup):
    rep, _, prompt, right, _ = setup
    Prompt.objects.filter(pk=prompt.pk).update(
        status=Prompt.Status.EXPIRED, expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    answer = submit(rep, prompt, [right]).answer
    assert not answer.on_time
    assert MemoryState.objects.get().review_count == 1


def test_an_offline_answer_counts_on_time_by_when_the_rep_made_it(setup):
    """Answered offline inside the window, sent after it expired: on time; a
    client time after the window is late like any other."""
    rep, _, prompt, right, _ = setup
    now = timezone.now()
    Prompt.objects.filter(pk=prompt.pk).update(
        status=Prompt.Status.EXPIRED, expires_at=now - dt.timedelta(hours=1)
    )
    answer = submit(
        rep, prompt, [right], now=now, client_answered_at=now - dt.timedelta(hours=2)
    ).answer
    assert answer.on_time
    assert answer.client_answered_at == now - dt.timedelta(hours=2)


def test_an_offline_answer_after_the_window_is_late(setup):
    rep, _, prompt, right, _ = setup
    now = timezone.now()
    Prompt.objects.filter(pk=prompt.pk).update(expires_at=now - dt.timedelta(hours=1))
    answer = submit(
        rep, prompt, [right], now=now, client_answered_at=now - dt.timedelta(minutes=5)
    ).answer
    assert not answer.on_time


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("choice_of_other_question", "invalid_choice"),
        ("two_choices_single", "invalid_choice"),
        ("no_choice", "invalid_choice"),
        ("unknown_prompt", "prompt_not_found"),
        ("other_reps_prompt", "prompt_not_found"),
        ("retired_question", "question_retired"),
        ("future_timestamp", "future_timestamp"),
        ("bad_confidence", "invalid_confidence"),
        ("empty_key", "invalid_idempotency_key"),
    ],
)
def test_bad_input_is_rejected_and_writes_nothing(setup, case, code):
    rep, question, prompt, right, wrong = setup
    kwargs = {}
    choices, target, who = [right], prompt, rep
    if case == "choice_of_other_question":
        choices = [QuestionFactory().choices.first()]
    elif case == "two_choices_single":
        choices = [right, wrong]
    elif case == "no_choice":
        choices = []
    elif case == "unknown_prompt":
        target = Prompt(id="00000000-0000-0000-0000-000000000000")
    elif case == "other_reps_prompt":
        who = RepProfileFactory(team=rep.rep_profile.team).user
    elif case == "retired_question":
        Question.objects.filter(pk=question.pk).update(status=Question.Status.RETIRED)
    elif case == "future_timestamp":
        kwargs["client_answered_at"] = timezone.now() + dt.timedelta(hours=1)
    elif case == "bad_confidence":
        kwargs["confidence"] = "very"
    elif case == "empty_key":
        kwargs["key"] = ""
    with pytest.raises(AnswerRejected) as exc:
        submit(who, target, choices, **kwargs)
    assert exc.value.code == code
    assert nothing_written(prompt)


def test_multiple_choice_needs_exactly_the_correct_set(rep_profile):
    question = QuestionFactory(
        module__methodology__organization=rep_profile.team.organization,
        kind=Question.Kind.MULTIPLE_CHOICE,
        choices=[("a", True), ("b", True), ("c", False)],
    )
    a, b, _ = question.choices.all()
    p1 = make_prompt(rep=rep_profile.user, question=question)
    assert not submit(rep_profile.user, p1, [a]).answer.correct
    p2 = make_prompt(
        rep=rep_profile.user,
        question=question,
        local_date=p1.local_date + dt.timedelta(1),
    )
    assert submit(rep_profile.user, p2, [a, b], key="k2").answer.correct


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_racing_requests_with_one_key_write_one_answer(rep_profile):
    """Two threads submit the same answer at once on PostgreSQL: one Answer row."""
    assert connection.vendor == "postgresql"
    question = QuestionFactory(
        module__methodology__organization=rep_profile.team.organization
    )
    prompt = make_prompt(rep=rep_profile.user, question=question)
    right = question.choices.get(is_correct=True)
    results, errors = run_concurrently(
        lambda: submit(rep_profile.user, prompt, [right], key="same")
    )

    assert errors == []
    assert len(results) == 2
    assert {r.answer.pk for r in results} == {Answer.objects.get().pk}
    assert sorted(r.replayed for r in results) == [False, True]
    assert MemoryState.objects.get().review_count == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_answer_reads_once_and_writes_once_without_locks(setup):
    """One read and one atomic write statement: no BEGIN, no row lock to queue on."""
    from django.test.utils import CaptureQueriesContext

    rep, _, prompt, right, _ = setup
    with CaptureQueriesContext(connection) as queries:
        submit(rep, prompt, [right], refresh_inline=False)
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 2, sql
    assert sql[0].lstrip().startswith("SELECT") and "FOR UPDATE" not in sql[0]
    assert sql[1].startswith('WITH guard AS (INSERT INTO "reinforcement_memorystate"')


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_racing_answers_to_one_prompt_with_two_keys_write_one(rep_profile):
    question = QuestionFactory(
        module__methodology__organization=rep_profile.team.organization
    )
    prompt = make_prompt(rep=rep_profile.user, question=question)
    right = question.choices.get(is_correct=True)
    keys = iter(["first", "second"])
    results, errors = run_concurrently(
        lambda: submit(rep_profile.user, prompt, [right], key=next(keys))
    )
    assert len(results) == 1 and [e.code for e in errors] == ["already_answered"]
    assert Answer.objects.count() == 1
    assert MemoryState.objects.get().review_count == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_racing_answers_to_one_question_on_two_prompts_both_count(rep_profile):
    """A daily and a refresher prompt of one question answered at once: the
    loser of the memory-state race starts over, so neither review is lost."""
    question = QuestionFactory(
        module__methodology__organization=rep_profile.team.organization
    )
    today = timezone.now().date()
    jobs = iter(
        [
            (make_prompt(rep=rep_profile.user, question=question, local_date=d), key)
            for d, key in ((today, "a"), (today - dt.timedelta(days=1), "b"))
        ]
    )
    right = question.choices.get(is_correct=True)

    def answer_next():
        prompt, key = next(jobs)
        return submit(rep_profile.user, prompt, [right], key=key)

    results, errors = run_concurrently(answer_next)
    assert errors == [] and len(results) == 2
    assert Answer.objects.count() == 2
    state = MemoryState.objects.get()
    assert state.review_count == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_an_answer_that_moved_the_memory_state_meanwhile_is_not_lost(
    setup, monkeypatch
):
    """The memory state is read without a lock; a concurrent update forces a retry."""
    import threading

    from reinforcement.services import answers

    rep, question, prompt, right, _ = setup
    state = MemoryState.objects.create(rep=rep, question=question)
    real = answers.fit_memory_model
    calls = []

    def commit_elsewhere() -> None:
        MemoryState.objects.filter(pk=state.pk).update(review_count=5)
        connection.close()

    def another_answer_lands_first(*args):
        # Runs between the read of the memory state and its update: another
        # connection commits a change, as a racing answer to another prompt
        # of the same question would.
        if not calls:
            other = threading.Thread(target=commit_elsewhere)
            other.start()
            other.join()
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(answers, "fit_memory_model", another_answer_lands_first)
    outcome = submit(rep, prompt, [right])
    assert len(calls) == 2, "the transaction started over once"
    state.refresh_from_db()
    assert state.review_count == 6 and Answer.objects.get().pk == outcome.answer.pk


def test_deferred_refresh_needs_no_broker(setup, settings, monkeypatch):
    """In production the answer request enqueues nothing: a broker outage is moot."""
    from celery.app.task import Task

    from reinforcement.models import RepDay

    settings.REINFORCEMENT_ROLLUP_REFRESH_INLINE = False

    def broker_down(*args, **kwargs):
        raise AssertionError("the answer path must not publish to the broker")

    monkeypatch.setattr(Task, "apply_async", broker_down)
    rep, _, prompt, right, _ = setup
    outcome = submit(rep, prompt, [right])
    assert Answer.objects.filter(pk=outcome.answer.pk).exists()
    # The recomputed rows wait for recent_answers_refresh; the counters do not.
    assert not RepDay.objects.filter(rep=rep).exists()


def test_key_reused_by_a_racing_answer_inside_a_transaction_is_refused_cleanly(
    rep_profile, monkeypatch
):
    """The key's unique violation is caught in a savepoint: the caller's
    transaction (here the test's) stays usable for the replay lookup."""
    import dataclasses

    from reinforcement.services import answers

    organization = rep_profile.team.organization
    first, second = (
        make_prompt(
            rep=rep_profile.user,
            question=QuestionFactory(module__methodology__organization=organization),
        )
        for _ in range(2)
    )
    submit(rep_profile.user, first, [first.question.choices.first()], key="k")
    real = answers.answer_context_get
    # As if the first answer committed after this one's read.
    monkeypatch.setattr(
        answers,
        "answer_context_get",
        lambda **kw: dataclasses.replace(real(**kw), key_seen=False),
    )
    with pytest.raises(AnswerRejected) as refused:
        submit(rep_profile.user, second, [second.question.choices.first()], key="k")
    assert refused.value.code == "idempotency_key_reused"
    assert Answer.objects.count() == 1
