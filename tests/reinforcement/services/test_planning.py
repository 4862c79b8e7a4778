import datetime as dt

import pytest
from django.db import connection

from enablement.models import Enrollment, Question
from reinforcement.models import DailyPlan, MemoryState, Prompt
from reinforcement.selectors.planning import reps_due_for_planning
from reinforcement.services.planning import plans_create
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
)
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db
UTC = dt.UTC
# A Tuesday, 15:00 UTC: past 9:00 local in UTC and in Europe.
TUESDAY = dt.datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def enrolled_rep(*, questions=6, topics=3, new_per_day=1, dose=3, **profile):
    team = TeamFactory(organization__new_questions_per_day=new_per_day)
    organization = team.organization
    organization.default_daily_dose = dose
    organization.save()
    module = ModuleFactory(methodology__organization=organization)
    topic_objs = [TopicFactory(organization=organization) for _ in range(topics)]
    qs = [
        QuestionFactory(module=module, topic=topic_objs[i % topics])
        for i in range(questions)
    ]
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    rep = RepProfileFactory(team=team, **profile).user
    return rep, qs


def review_all(rep, questions, *, days_ago, stability=5.0, now=TUESDAY):
    """Give the rep a reviewed memory of each question, last seen days_ago."""
    for q in questions:
        MemoryState.objects.update_or_create(
            rep=rep,
            question=q,
            defaults={
                "state": MemoryState.State.REVIEW,
                "stability": stability,
                "difficulty": 5.0,
                "last_review": now - dt.timedelta(days=days_ago),
                "review_count": 1,
            },
        )


def planned_keys(rep, day=None):
    prompts = Prompt.objects.filter(rep=rep)
    if day:
        prompts = prompts.filter(local_date=day)
    return [p.question.key for p in prompts.order_by("position")]


def test_new_rep_gets_memory_states_and_a_full_first_dose_of_new_questions():
    rep, qs = enrolled_rep(questions=6, new_per_day=1, dose=3)
    [outcome] = plans_create(rep_ids=[rep.id], now=TUESDAY)
    assert outcome.status == "planned"
    assert MemoryState.objects.filter(rep=rep).count() == 6
    # Nothing to review: the dose is filled with new questions, not one a day.
    assert sorted(planned_keys(rep)) == sorted(q.key for q in qs[:3])


def test_new_questions_only_at_the_daily_rate_when_reviews_fill_the_dose():
    rep, qs = enrolled_rep(questions=6, new_per_day=1, dose=3)
    review_all(rep, qs[:4], days_ago=30, stability=2.0)
    plans_create(rep_ids=[rep.id], now=TUESDAY)
    keys = planned_keys(rep)
    assert len(keys) == 3
    assert [k for k in keys if k in {qs[4].key, qs[5].key}] == [qs[4].key]


def test_budget_caps_the_dose_and_most_forgotten_reviews_come_first():
    rep, qs = enrolled_rep(questions=8, new_per_day=0, dose=3)
    review_all(rep, qs[:4], days_ago=30)  # recall well under target
    review_all(rep, qs[4:], days_ago=1)  # fresh: not worth asking
    plans_create(rep_ids=[rep.id], now=TUESDAY)
    keys = planned_keys(rep)
    assert len(keys) == 3
    assert set(keys) <= {q.key for q in qs[:4]}


def test_dose_is_a_cap_nothing_worth_asking_means_no_prompts():
    rep, qs = enrolled_rep(questions=4, new_per_day=0)
    review_all(rep, qs, days_ago=1, stability=50.0)
    [outcome] = plans_create(rep_ids=[rep.id], now=TUESDAY)
    assert outcome.status == "planned" and outcome.question_keys == []
    assert DailyPlan.objects.get(rep=rep).prompt_count == 0


def test_retired_questions_are_never_planned():
    rep, qs = enrolled_rep(questions=4, new_per_day=0, dose=4)
    review_all(rep, qs, days_ago=40)
    Question.objects.filter(pk=qs[0].pk).update(status=Question.Status.RETIRED)
    plans_create(rep_ids=[rep.id], now=TUESDAY)
    keys = planned_keys(rep)
    assert len(keys) == 3 and qs[0].key not in keys


def test_topics_are_interleaved():
    rep, qs = enrolled_rep(questions=6, topics=2, new_per_day=0, dose=4)
    review_all(rep, qs, days_ago=30)
    plans_create(rep_ids=[rep.id], now=TUESDAY)
    topics = [
        p.question.topic_id for p in Prompt.objects.filter(rep=rep).order_by("position")
    ]
    assert len(topics) == 4
    assert all(a != b for a, b in zip(topics, topics[1:], strict=False))


def test_open_prompts_are_not_planned_again_the_next_day():
    rep, qs = enrolled_rep(questions=3, new_per_day=0, dose=3)
    review_all(rep, qs, days_ago=30)
    plans_create(rep_ids=[rep.id], now=TUESDAY)
    assert len(planned_keys(rep)) == 3
    [outcome] = plans_create(rep_ids=[rep.id], now=TUESDAY + dt.timedelta(days=1))
    assert outcome.status == "planned" and outcome.question_keys == []


@pytest.mark.parametrize(
    ("profile", "status"),
    [
        ({"paused_until": dt.date(2026, 11, 30)}, "paused"),
        ({"working_days": "1345"}, "not_working_day"),  # Tuesday off
        ({"delivery_hour": 16}, "too_early"),
        ({"paused_until": dt.date(2026, 11, 23)}, "planned"),  # pause over yesterday
    ],
)
def test_paused_days_off_and_early_hours_are_skipped(profile, status):
    rep, _ = enrolled_rep(**profile)
    [outcome] = plans_create(rep_ids=[rep.id], now=TUESDAY)
    assert outcome.status == status
    assert DailyPlan.objects.filter(rep=rep).exists() == (status == "planned")


def test_plan_now_ignores_the_hour_but_not_the_weekend():
    rep, _ = enrolled_rep(delivery_hour=20)
    [outcome] = plans_create(rep_ids=[rep.id], now=TUESDAY, ignore_delivery_hour=True)
    assert outcome.status == "planned"
    saturday = dt.datetime(2026, 11, 28, 15, tzinfo=UTC)
    [outcome] = plans_create(rep_ids=[rep.id], now=saturday, ignore_delivery_hour=True)
    assert outcome.status == "not_working_day"


def test_one_plan_per_rep_per_day_when_run_twice():
    rep, _ = enrolled_rep()
    plans_create(rep_ids=[rep.id], now=TUESDAY)
    [again] = plans_create(rep_ids=[rep.id], now=TUESDAY + dt.timedelta(hours=2))
    assert again.status == "exists"
    assert DailyPlan.objects.filter(rep=rep).count() == 1
    assert reps_due_for_planning(now=TUESDAY) == []


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_one_plan_per_rep_per_day_when_two_workers_race():
    assert connection.vendor == "postgresql"
    reps = [enrolled_rep()[0] for _ in range(3)]
    ids = [r.id for r in reps]
    _, errors = run_concurrently(lambda: plans_create(rep_ids=ids, now=TUESDAY))
    assert errors == []
    assert DailyPlan.objects.count() == 3
    for rep in reps:
        assert Prompt.objects.filter(rep=rep).count() == 3


@pytest.mark.parametrize(
    ("zone", "before_change", "after_change"),
    [
        # US DST starts Sunday 2026-03-08: 9:00 local is 14:00 UTC before, 13:00 after.
        ("America/New_York", dt.date(2026, 3, 6), dt.date(2026, 3, 9)),
        # EU DST starts Sunday 2026-03-29: 9:00 local is 08:00 UTC before, 07:00 after.
        ("Europe/Berlin", dt.date(2026, 3, 27), dt.date(2026, 3, 30)),
        # EU DST ends Sunday 2026-10-25: 9:00 local is 07:00 UTC before, 08:00 after.
        ("Europe/Berlin", dt.date(2026, 10, 23), dt.date(2026, 10, 26)),
    ],
)
def test_delivery_hour_follows_local_time_across_dst(zone, before_change, after_change):
    rep, _ = enrolled_rep(time_zone=zone, delivery_hour=9)
    for day in (before_change, after_change):
        nine = dt.datetime.combine(day, dt.time(9)).replace(
            tzinfo=__import__("zoneinfo").ZoneInfo(zone)
        )
        assert reps_due_for_planning(now=nine - dt.timedelta(minutes=1)) == []
        assert reps_due_for_planning(now=nine) == [rep.id]
        [outcome] = plans_create(rep_ids=[rep.id], now=nine)
        assert outcome.local_date == day and outcome.status == "planned"
    # The UTC hour of the delivery moved by one between the two days.
    plans = list(DailyPlan.objects.filter(rep=rep).order_by("local_date"))
    hours = [p.planned_at.astimezone(UTC).hour for p in plans]
    assert abs(hours[0] - hours[1]) == 1


def test_local_day_is_the_reps_own():
    """At 02:00 UTC on Wednesday it is still Tuesday evening in Los Angeles."""
    rep, _ = enrolled_rep(time_zone="America/Los_Angeles", delivery_hour=9)
    now = dt.datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    [outcome] = plans_create(rep_ids=[rep.id], now=now)
    assert outcome.local_date == dt.date(2026, 11, 24)


def test_module_taught_live_starts_as_studied_not_new():
    """After a kickoff the whole module is reviewed as it fades, not drip-fed as new."""
    rep, qs = enrolled_rep(questions=5, new_per_day=0, dose=3)
    Enrollment.objects.filter(team=rep.rep_profile.team).update(
        taught_on=TUESDAY.date() - dt.timedelta(days=10)
    )
    [outcome] = plans_create(rep_ids=[rep.id], now=TUESDAY)
    states = MemoryState.objects.filter(rep=rep)
    assert states.count() == 5
    assert {s.state for s in states} == {MemoryState.State.REVIEW}
    assert {s.last_review.date() for s in states} == {dt.date(2026, 11, 14)}
    assert all(s.review_count == 0 and s.stability > 0 for s in states)
    # Ten days after the kickoff these memories have faded: reviews are due
    # even though no new question may be introduced today.
    prompts = Prompt.objects.filter(rep=rep)
    assert len(outcome.question_keys) == 3
    assert all(0 < p.predicted_recall < 0.85 for p in prompts)


def test_teaching_planned_for_a_later_day_leaves_questions_new():
    rep, _ = enrolled_rep(questions=3, new_per_day=1)
    Enrollment.objects.filter(team=rep.rep_profile.team).update(
        taught_on=TUESDAY.date() + dt.timedelta(days=7)
    )
    plans_create(rep_ids=[rep.id], now=TUESDAY)
    assert set(MemoryState.objects.filter(rep=rep).values_list("state", flat=True)) == {
        MemoryState.State.NEW
    }
