"""Plans follow changes: today's unanswered plan is re-planned within the minute."""

import datetime as dt

import pytest
from django.db import connection

from enablement.models import Question
from enablement.signals import plans_affected
from reinforcement.models import DailyPlan, Delivery, Prompt, ReplanRequest
from reinforcement.services.delivery import plan_deliver
from reinforcement.services.planning import plans_create
from reinforcement.services.replan import plans_replan, replan_requests_apply
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
# A Tuesday, 15:00 UTC: past the 9:00 delivery hour in UTC.
TUESDAY = dt.datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
LATER = TUESDAY + dt.timedelta(minutes=1)


def new_team(*, dose=3, new_per_day=1, email=True):
    team = TeamFactory(organization__new_questions_per_day=new_per_day)
    organization = team.organization
    organization.default_daily_dose = dose
    organization.email_delivery = email
    organization.save()
    return team


def module_with(team, count, *, topics=3):
    module = ModuleFactory(methodology__organization=team.organization)
    topic_objs = [TopicFactory(organization=team.organization) for _ in range(topics)]
    questions = [
        QuestionFactory(module=module, topic=topic_objs[i % topics])
        for i in range(count)
    ]
    return module, questions


def open_prompts(rep):
    return list(
        Prompt.objects.filter(
            rep=rep, status__in=[Prompt.Status.PLANNED, Prompt.Status.DELIVERED]
        ).order_by("position")
    )


def deliveries(rep):
    return sorted(
        Delivery.objects.filter(plan__rep=rep).values_list("channel", "status")
    )


def enrolled_and_planned(*, dose=3, questions=8, email=True, **profile):
    """A rep of a team enrolled in an untaught module, planned at TUESDAY."""
    team = new_team(dose=dose, email=email)
    module, qs = module_with(team, questions)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    rep = RepProfileFactory(team=team, **profile).user
    plans_create(rep_ids=[rep.id], now=TUESDAY)
    ReplanRequest.objects.all().delete()
    return rep, qs


def test_enrolling_after_beat_planned_gives_a_full_first_dose_delivered_once():
    """The "day one lost" case: the empty plan is re-planned with a full first dose."""
    team = new_team(dose=3, new_per_day=1)
    rep = RepProfileFactory(team=team).user
    [empty] = plans_create(rep_ids=[rep.id], now=TUESDAY)
    assert empty.status == "planned" and empty.question_keys == []
    assert deliveries(rep) == []  # an empty plan has no outbox rows
    ReplanRequest.objects.all().delete()

    module, qs = module_with(team, 6)
    EnrollmentFactory(module=module, team=team, starts_on=TUESDAY.date())
    assert ReplanRequest.objects.filter(scope="team", scope_id=team.id).exists()

    result = replan_requests_apply(now=LATER)
    assert [o.status for o in result.outcomes] == ["replanned"]
    # Not one question at the daily rate: the dose is filled with new material.
    assert len(open_prompts(rep)) == 3
    assert {p.question for p in open_prompts(rep)} <= set(qs)
    assert deliveries(rep) == [("email", "pending"), ("inbox", "pending")]
    assert result.deliver_plan_ids == [empty.plan_id]
    assert DailyPlan.objects.get(pk=empty.plan_id).prompt_count == 3
    assert not ReplanRequest.objects.exists()

    # Retries change nothing: same prompts, no second set of deliveries.
    again = plans_replan(rep_ids=[rep.id], now=LATER)
    assert [o.status for o in again.outcomes] == ["unchanged"]
    assert again.deliver_plan_ids == []
    assert len(open_prompts(rep)) == 3
    assert len(deliveries(rep)) == 2


def test_a_dose_increase_before_delivery_adds_questions_to_the_pending_delivery():
    """Kept prompts stay the same rows; the pending rows send the larger dose once."""
    rep, _ = enrolled_and_planned(dose=3)
    before = {p.pk for p in open_prompts(rep)}
    assert len(before) == 3
    profile = rep.rep_profile
    profile.daily_dose = 5
    profile.save()
    assert ReplanRequest.objects.filter(scope="rep", scope_id=rep.id).exists()

    result = replan_requests_apply(now=LATER)
    after = open_prompts(rep)
    assert len(after) == 5
    assert before <= {p.pk for p in after}
    assert result.deliver_plan_ids == []  # its pending rows will carry them
    assert deliveries(rep) == [("email", "pending"), ("inbox", "pending")]
    plan = DailyPlan.objects.get(rep=rep)
    assert plan_deliver(plan_id=plan.pk, now=LATER) == {
        "inbox": "sent",
        "email": "sent",
    }
    assert Prompt.objects.filter(rep=rep, status=Prompt.Status.DELIVERED).count() == 5


def test_a_dose_increase_after_delivery_shows_new_questions_without_a_second_message(
    mailoutbox,
):
    """Today's email went out: the new prompts appear delivered, nothing is re-sent."""
    rep, _ = enrolled_and_planned(dose=3)
    plan = DailyPlan.objects.get(rep=rep)
    plan_deliver(plan_id=plan.pk, now=TUESDAY)
    assert len(mailoutbox) == 1
    profile = rep.rep_profile
    profile.daily_dose = 4
    profile.save()

    result = replan_requests_apply(now=LATER)
    assert result.deliver_plan_ids == []
    prompts = open_prompts(rep)
    assert len(prompts) == 4
    assert all(p.status == Prompt.Status.DELIVERED for p in prompts)
    assert deliveries(rep) == [("email", "sent"), ("inbox", "sent")]
    assert plan_deliver(plan_id=plan.pk, now=LATER) == {
        "inbox": "sent",
        "email": "sent",
    }
    assert len(mailoutbox) == 1


def test_a_pause_withdraws_today_and_lifting_it_delivers_once():
    """Paused today: prompts withdrawn, deliveries canceled; unpaused: pending again."""
    rep, _ = enrolled_and_planned(dose=3)
    profile = rep.rep_profile
    profile.paused_until = TUESDAY.date()
    profile.save()
    replan_requests_apply(now=LATER)
    assert open_prompts(rep) == []
    assert Prompt.objects.filter(rep=rep, status=Prompt.Status.WITHDRAWN).count() == 3
    assert deliveries(rep) == [("email", "canceled"), ("inbox", "canceled")]

    profile.paused_until = None
    profile.save()
    result = replan_requests_apply(now=LATER + dt.timedelta(minutes=1))
    # The withdrawn questions were asked today; three others are chosen.
    assert len(open_prompts(rep)) == 3
    assert deliveries(rep) == [("email", "pending"), ("inbox", "pending")]
    assert result.deliver_plan_ids == [DailyPlan.objects.get(rep=rep).pk]
    assert Delivery.objects.filter(plan__rep=rep, attempts=0).count() == 2


def test_a_time_zone_change_plans_a_rep_whose_delivery_hour_has_now_come():
    """07:00 in Los Angeles, no plan yet; moved to Berlin (16:00): planned at once."""
    rep, _ = enrolled_and_planned(time_zone="America/Los_Angeles")
    assert not DailyPlan.objects.filter(rep=rep).exists()
    profile = rep.rep_profile
    profile.time_zone = "Europe/Berlin"
    profile.save()
    result = replan_requests_apply(now=LATER)
    assert [o.status for o in result.outcomes] == ["planned"]
    assert len(open_prompts(rep)) == 3
    assert result.deliver_plan_ids == [DailyPlan.objects.get(rep=rep).pk]


def test_a_plan_with_an_answer_is_never_replanned():
    rep, _ = enrolled_and_planned(dose=3)
    first = open_prompts(rep)[0]
    Prompt.objects.filter(pk=first.pk).update(status=Prompt.Status.ANSWERED)
    profile = rep.rep_profile
    profile.daily_dose = 6
    profile.save()
    result = replan_requests_apply(now=LATER)
    assert [o.status for o in result.outcomes] == ["answered"]
    assert len(open_prompts(rep)) == 2
    assert not ReplanRequest.objects.exists()


def test_retiring_a_planned_question_replaces_it():
    """A question of the module leaves: its prompt is withdrawn and another asked."""
    rep, qs = enrolled_and_planned(dose=3)
    gone = open_prompts(rep)[0].question
    gone.status = Question.Status.RETIRED
    gone.save()
    assert ReplanRequest.objects.filter(
        scope="module", scope_id=gone.module_id
    ).exists()
    replan_requests_apply(now=LATER)
    prompts = open_prompts(rep)
    assert len(prompts) == 3
    assert gone not in {p.question for p in prompts}
    assert Prompt.objects.get(rep=rep, question=gone).status == Prompt.Status.WITHDRAWN
    assert deliveries(rep) == [("email", "pending"), ("inbox", "pending")]


def test_a_write_without_save_can_ask_for_a_replan_by_signal():
    rep, _ = enrolled_and_planned(dose=3)
    plans_affected.send(
        sender=None, scope="organization", ids=[rep.rep_profile.team.organization_id]
    )
    assert ReplanRequest.objects.filter(scope="organization").count() == 1
    result = replan_requests_apply(now=LATER)
    assert [o.rep_id for o in result.outcomes] == [rep.id]


def test_a_request_changed_while_running_is_kept_for_the_next_run():
    rep, _ = enrolled_and_planned(dose=3)
    profile = rep.rep_profile
    profile.daily_dose = 4
    profile.save()
    request = ReplanRequest.objects.get()
    # Another change commits during the run: its later timestamp survives.
    ReplanRequest.objects.filter(pk=request.pk).update(requested_at=LATER)
    from reinforcement.selectors import replan as selector

    taken, reps = selector.replan_requests_reps(limit=10)
    ReplanRequest.objects.filter(pk=request.pk).update(
        requested_at=LATER + dt.timedelta(seconds=1)
    )
    for pk, at in taken:
        ReplanRequest.objects.filter(pk=pk, requested_at=at).delete()
    assert ReplanRequest.objects.filter(pk=request.pk).exists()
    assert reps == [rep.id]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_replans_racing_leave_one_dose_and_one_set_of_deliveries():
    assert connection.vendor == "postgresql"
    team = new_team(dose=3)
    reps = [RepProfileFactory(team=team).user for _ in range(3)]
    ids = [r.id for r in reps]
    plans_create(rep_ids=ids, now=TUESDAY)  # empty plans: nothing enrolled yet
    module, _ = module_with(team, 6)
    EnrollmentFactory(module=module, team=team, starts_on=TUESDAY.date())
    results, errors = run_concurrently(lambda: replan_requests_apply(now=LATER))
    assert errors == []
    for rep in reps:
        assert len(open_prompts(rep)) == 3
        assert Prompt.objects.filter(rep=rep).count() == 3
        assert deliveries(rep) == [("email", "pending"), ("inbox", "pending")]
    delivered = sorted(p for r in results for p in r.deliver_plan_ids)
    assert delivered == sorted(
        DailyPlan.objects.filter(rep__in=reps).values_list("pk", flat=True)
    )


def test_only_changes_a_plan_depends_on_ask_for_a_replan():
    """A new profile (the dispatcher plans it) and a save of other fields ask nothing."""
    team = new_team()
    profile = RepProfileFactory(team=team)
    assert not ReplanRequest.objects.filter(scope="rep").exists()
    profile.hired_on = dt.date(2026, 1, 5)
    profile.save(update_fields=["hired_on"])
    assert not ReplanRequest.objects.filter(scope="rep").exists()
    profile.delivery_hour = 7
    profile.save(update_fields=["delivery_hour"])
    assert ReplanRequest.objects.filter(scope="rep", scope_id=profile.user_id).exists()


def test_a_change_that_rolls_back_asks_for_nothing():
    from django.db import transaction

    rep, _ = enrolled_and_planned()
    profile = rep.rep_profile
    with pytest.raises(RuntimeError), transaction.atomic():
        profile.daily_dose = 9
        profile.save()
        raise RuntimeError
    assert not ReplanRequest.objects.exists()


def test_before_the_delivery_hour_the_new_dose_waits_for_it():
    """An empty plan made early (Plan today now) then an enrollment at 07:00: the
    rows are written due at the 09:00 delivery hour, for the sweeper, not sent now."""
    team = new_team()
    rep = RepProfileFactory(team=team).user
    early = TUESDAY.replace(hour=7)
    plans_replan(rep_ids=[rep.id], now=early, ignore_delivery_hour=True)
    assert DailyPlan.objects.filter(rep=rep).exists() and deliveries(rep) == []
    module, _ = module_with(team, 6)
    EnrollmentFactory(module=module, team=team, starts_on=TUESDAY.date())
    result = replan_requests_apply(now=early + dt.timedelta(minutes=1))
    assert result.deliver_plan_ids == []
    assert len(open_prompts(rep)) == 3
    due = set(
        Delivery.objects.filter(plan__rep=rep).values_list("next_attempt_at", flat=True)
    )
    assert due == {TUESDAY.replace(hour=9)}
    assert deliveries(rep) == [("email", "pending"), ("inbox", "pending")]


def test_an_organization_wider_than_a_run_is_split_into_reps_and_drained():
    """An organization of 3 reps with a run of 2: two runs re-plan everyone once."""
    team = new_team(dose=3)
    module, _ = module_with(team, 4)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    reps = [RepProfileFactory(team=team).user for _ in range(3)]
    plans_create(rep_ids=[r.id for r in reps], now=TUESDAY)
    ReplanRequest.objects.all().delete()
    organization = team.organization
    organization.default_daily_dose = 4
    organization.save()
    first = replan_requests_apply(now=LATER, limit=2)
    assert len(first.outcomes) == 2
    assert set(ReplanRequest.objects.values_list("scope", flat=True)) == {"rep"}
    second = replan_requests_apply(now=LATER, limit=2)
    assert len(second.outcomes) == 1
    assert not ReplanRequest.objects.exists()
    for rep in reps:
        assert len(open_prompts(rep)) == 4
