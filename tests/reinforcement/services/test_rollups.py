import datetime as dt
from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enablement.models import Question
from reinforcement.kpi_rules import chance_level, corrected_score, recall_bin
from reinforcement.models import (
    Answer,
    KpiFillState,
    MemoryState,
    ModuleMastery,
    PeerChoiceCount,
    PeerQuestionCount,
    RepAnswerDay,
    RepChoiceStat,
    RepDay,
    RepQuestionStat,
    RepTopicDay,
    RepTopicRecallBin,
    RepTopicSnapshot,
)
from reinforcement.services.answers import answer_submit
from reinforcement.services.rollups.rebuild import rollups_rebuild
from reinforcement.services.rollups.refresh import recent_answers_refresh
from tests.factories.enablement import (
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def test_chance_levels():
    """1/k for single choice and true/false; 1/(2^k - 1) for select-all."""
    assert chance_level(kind=Question.Kind.SINGLE_CHOICE, choice_count=4) == 0.25
    assert chance_level(kind=Question.Kind.TRUE_FALSE, choice_count=2) == 0.5
    assert chance_level(
        kind=Question.Kind.MULTIPLE_CHOICE, choice_count=4
    ) == pytest.approx(1 / 15)
    assert corrected_score(correct=True, chance=0.25) == 1.0
    assert corrected_score(correct=False, chance=0.25) == pytest.approx(-1 / 3)


def _direct(rep_ids):
    """The rollups, computed straight from the Answer log."""
    days = defaultdict(lambda: defaultdict(float))
    stats = defaultdict(lambda: defaultdict(float))
    picks = defaultdict(lambda: defaultdict(int))
    bins = defaultdict(lambda: defaultdict(float))
    seen = set()
    for a in Answer.objects.filter(rep_id__in=rep_ids).select_related("question"):
        q = a.question
        c = chance_level(kind=q.kind, choice_count=a.choice_count)
        spaced = a.stability_before is not None and a.elapsed_days >= 1
        cw = not a.correct and a.confidence == "certain"
        d = days[(a.rep_id, q.topic_id, a.answered_at.date())]
        d["answers"] += 1
        d["correct"] += a.correct
        d["certain_wrong"] += cw
        d["reviews"] += spaced
        d["reviews_corrected"] += (
            corrected_score(correct=a.correct, chance=c) if spaced else 0
        )
        s = stats[(a.rep_id, q.id)]
        s["answers"] += 1
        s["correct"] += a.correct
        if (a.rep_id, q.id) not in seen:
            seen.add((a.rep_id, q.id))
        if spaced:
            b = bins[(a.rep_id, q.topic_id, recall_bin(a.elapsed_days))]
            b["reviews"] += 1
            b["corrected"] += corrected_score(correct=a.correct, chance=c)
        if not a.correct:
            right = set(q.choices.filter(is_correct=True).values_list("id", flat=True))
            for choice_id in set(a.chosen_choice_ids) - right:
                picks[(a.rep_id, choice_id)]["picks"] += 1
                picks[(a.rep_id, choice_id)]["certain"] += cw
    return days, stats, picks, bins


def _assert_rollups_match(rep_ids):
    days, stats, picks, bins = _direct(rep_ids)
    rows = {(r.rep_id, r.topic_id, r.day): r for r in RepTopicDay.objects.all()}
    assert set(rows) == set(days)
    for key, d in days.items():
        r = rows[key]
        assert (r.answers, r.correct, r.certain_wrong, r.reviews) == (
            d["answers"], d["correct"], d["certain_wrong"], d["reviews"],
        )  # fmt: skip
        assert r.reviews_corrected == pytest.approx(d["reviews_corrected"])
    per_rep_day = defaultdict(lambda: [0, 0, 0.0])
    for (rep_id, _topic, day), d in days.items():
        per_rep_day[(rep_id, day)][0] += d["answers"]
        per_rep_day[(rep_id, day)][1] += d["reviews"]
        per_rep_day[(rep_id, day)][2] += d["reviews_corrected"]
    answer_days = {(r.rep_id, r.day): r for r in RepAnswerDay.objects.all()}
    assert set(answer_days) == set(per_rep_day)
    for key, (answers, reviews, corrected) in per_rep_day.items():
        assert (answer_days[key].answers, answer_days[key].reviews) == (
            answers,
            reviews,
        )
        assert answer_days[key].reviews_corrected == pytest.approx(corrected)
    qrows = {(r.rep_id, r.question_id): r for r in RepQuestionStat.objects.all()}
    assert {k: (r.answers, r.correct) for k, r in qrows.items()} == {
        k: (s["answers"], s["correct"]) for k, s in stats.items()
    }
    assert {
        (r.rep_id, r.choice_id): (r.picks, r.certain_picks)
        for r in RepChoiceStat.objects.all()
    } == {k: (p["picks"], p["certain"]) for k, p in picks.items()}
    brows = {
        (r.rep_id, r.topic_id, r.bin_start): r for r in RepTopicRecallBin.objects.all()
    }
    assert set(brows) == set(bins)
    for key, b in bins.items():
        assert brows[key].reviews == b["reviews"]
        assert brows[key].corrected == pytest.approx(b["corrected"])


def _assert_peer_counts_match():
    """The peer counts equal the answers and picks of every answer in the log."""
    answers = Counter()
    picks = Counter()
    for question_id, chosen in Answer.objects.values_list(
        "question_id", "chosen_choice_ids"
    ):
        answers[question_id] += 1
        picks.update((question_id, c) for c in set(chosen))
    assert dict(PeerQuestionCount.objects.values_list("question_id", "answers")) == (
        dict(answers)
    )
    assert {
        (r.question_id, r.choice_id): r.picks for r in PeerChoiceCount.objects.all()
    } == dict(picks)


answer_steps = st.lists(
    st.tuples(
        st.integers(0, 1),  # rep
        st.integers(0, 2),  # question
        st.integers(0, 3),  # choice position
        st.sampled_from(["guess", "fairly_sure", "certain"]),
        st.floats(0.0, 20.0),  # days after the previous step
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=answer_steps)
def test_incremental_rollups_match_the_answer_log(steps, django_db_blocker):
    """After any sequence of answers the rollups, peer counts included, equal a
    direct count from the log, and so do they after a rebuild."""
    # given
    team = TeamFactory()
    reps = [RepProfileFactory(team=team).user for _ in range(2)]
    module = ModuleFactory(methodology__organization=team.organization)
    questions = [
        QuestionFactory(module=module),
        QuestionFactory(module=module, kind=Question.Kind.TRUE_FALSE,
                        choices=[("True", True), ("False", False)]),
        QuestionFactory(module=module, kind=Question.Kind.MULTIPLE_CHOICE,
                        choices=[("A", True), ("B", True), ("C", False), ("D", False)]),
    ]  # fmt: skip
    now = START
    # when
    for i, (rep_i, q_i, choice_i, confidence, gap) in enumerate(steps):
        now += dt.timedelta(days=gap)
        question = questions[q_i]
        choices = list(question.choices.order_by("position"))
        picked = [choices[choice_i % len(choices)]]
        prompt = make_prompt(
            rep=reps[rep_i],
            question=question,
            local_date=now.date() + dt.timedelta(days=i),
        )
        answer_submit(
            rep_id=reps[rep_i].id, prompt_id=prompt.id, choice_ids=[c.id for c in picked],
            confidence=confidence, idempotency_key=f"k{i}", now=now,
        )  # fmt: skip
        recent_answers_refresh(now=now)  # beat's minutely run
    # then
    rep_ids = [r.id for r in reps]
    _assert_rollups_match(rep_ids)
    _assert_peer_counts_match()
    incremental = {
        (r.rep_id, r.day): (r.delivered, r.answered, r.answered_on_time)
        for r in RepDay.objects.all()
    }
    assert sum(v[1] for v in incremental.values()) == len(steps)
    PeerChoiceCount.objects.all().delete()
    rollups_rebuild(rep_ids=rep_ids)
    _assert_rollups_match(rep_ids)
    _assert_peer_counts_match()
    assert {
        (r.rep_id, r.day): (r.delivered, r.answered, r.answered_on_time)
        for r in RepDay.objects.all()
    } == incremental
    assert RepTopicSnapshot.objects.exists()
    for model in (RepTopicDay, RepAnswerDay, RepQuestionStat, RepChoiceStat, RepTopicRecallBin,
                  RepDay, RepTopicSnapshot, ModuleMastery, PeerQuestionCount,
                  PeerChoiceCount, KpiFillState, Answer):  # fmt: skip
        model.objects.all().delete()


def test_rebuild_replays_the_ramp_milestone(rep_profile):
    """A module of one question is ramped once its stability passes 21 days."""
    # given
    rep = rep_profile.user
    question = QuestionFactory(
        module__methodology__organization=rep_profile.team.organization
    )
    right = question.choices.get(is_correct=True)
    now = START
    # when: certain right answers at growing intervals
    for i, gap in enumerate([0, 5, 20, 60]):
        now += dt.timedelta(days=gap)
        prompt = make_prompt(rep=rep, question=question, local_date=now.date())
        answer_submit(
            rep_id=rep.id, prompt_id=prompt.id, choice_ids=[right.id],
            confidence="certain", idempotency_key=f"r{i}", now=now,
        )  # fmt: skip
        recent_answers_refresh(now=now)  # beat's minutely run
    # then
    milestone = ModuleMastery.objects.get(rep=rep, module=question.module)
    first_stable = (
        Answer.objects.filter(stability_after__gte=21).order_by("answered_at").first()
    )
    assert milestone.reached_at == first_stable.answered_at
    rollups_rebuild(rep_ids=[rep.id])
    assert ModuleMastery.objects.get(rep=rep).reached_at == first_stable.answered_at


def test_refresh_tasks_rewrite_snapshots_and_participation(rep_profile):
    """The beat tasks run the refresh services over every rep."""
    from reinforcement.tasks import (
        kpi_participation_refresh_task,
        kpi_snapshots_refresh_task,
    )

    question = QuestionFactory(
        module__methodology__organization=rep_profile.team.organization
    )
    MemoryState.objects.create(rep=rep_profile.user, question=question)
    make_prompt(rep=rep_profile.user, question=question)
    assert kpi_snapshots_refresh_task() == 1
    assert kpi_participation_refresh_task() == 1
    assert RepDay.objects.get(rep=rep_profile.user).delivered == 1
    assert KpiFillState.objects.get(name="snapshots").state == "done"


def test_demo_history_runs_once():
    """A short demo history answers through the services, then does nothing."""
    from django.utils import timezone

    from enablement.services.demo import demo_seed
    from reinforcement.services.demo_history import demo_history_seed

    today = timezone.localdate()
    demo_seed(today=today)
    summary = demo_history_seed(today=today, days=8)
    assert not summary.skipped and summary.answers > 20
    assert RepTopicDay.objects.exists() and RepTopicSnapshot.objects.exists()
    assert demo_history_seed(today=today, days=8).skipped
