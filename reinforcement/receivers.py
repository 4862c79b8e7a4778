"""Receivers of enablement's people, content and planning signals: each calls one service."""

import datetime as dt

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from enablement.models import (
    Enrollment,
    Holiday,
    Organization,
    Question,
    RepProfile,
    Team,
)
from enablement.signals import (
    person_deactivated,
    plan_today_requested,
    plans_affected,
    question_retired,
    question_revised,
)
from reinforcement.models import ReplanRequest
from reinforcement.services.memory_states import question_memory_reset
from reinforcement.services.prompts import prompts_withdraw, rep_departure_apply
from reinforcement.services.replan import plans_replan, replan_request

Scope = ReplanRequest.Scope


@receiver(person_deactivated, dispatch_uid="reinforcement.rep_departure")
def rep_departure_receive(sender, *, membership, at: dt.datetime, **kwargs) -> None:
    """A person left: withdraw their open prompts and cancel their deliveries."""
    rep_departure_apply(rep_id=membership.user_id, now=at)


@receiver(question_retired, dispatch_uid="reinforcement.question_retired")
def question_retired_receive(sender, *, question_id: int, at: dt.datetime, **kwargs):
    """A question was retired: its open prompts leave every rep's Today at once."""
    prompts_withdraw(now=at, question_ids=[question_id], reason="question retired")


@receiver(question_revised, dispatch_uid="reinforcement.question_revised")
def question_revised_receive(
    sender, *, question_id: int, change: str, at: dt.datetime, **kwargs
) -> None:
    """A major edit resets reps' memory of the question; a minor one keeps it."""
    if change == Question.Change.MAJOR:
        question_memory_reset(question_id=question_id, now=at)


@receiver(plans_affected, dispatch_uid="reinforcement.plans_affected")
def plans_affected_receive(sender, *, scope: str, ids, **kwargs) -> None:
    """Something today's plans depend on changed without a save: re-plan its reps."""
    replan_request(scope=scope, scope_ids=ids, now=timezone.now())


@receiver(post_save, sender=Enrollment, dispatch_uid="reinforcement.replan_enrollment")
@receiver(
    post_delete, sender=Enrollment, dispatch_uid="reinforcement.replan_enrollment_d"
)
def enrollment_changed_receive(
    sender, *, instance, raw: bool = False, **kwargs
) -> None:
    """An enrollment changed: its team's or rep's plans are re-planned within the minute."""
    if raw:
        return
    if instance.team_id:
        replan_request(
            scope=Scope.TEAM, scope_ids=[instance.team_id], now=timezone.now()
        )
    else:
        replan_request(scope=Scope.REP, scope_ids=[instance.rep_id], now=timezone.now())


# The profile fields a plan is chosen from.
PLAN_FIELDS = {
    "team", "team_id", "time_zone", "delivery_hour", "working_days", "daily_dose",
    "paused_until", "paused_from",
}  # fmt: skip


@receiver(post_save, sender=RepProfile, dispatch_uid="reinforcement.replan_profile")
def rep_profile_changed_receive(
    sender, *, instance, created: bool, update_fields=None, raw: bool = False, **kwargs
) -> None:
    """Dose, time zone, hour, working days, pause or team may have changed.

    A new profile has no plan yet (the dispatcher plans it), and a save of
    other fields only changes nothing a plan depends on.
    """
    if raw or created or (update_fields and not PLAN_FIELDS & set(update_fields)):
        return
    replan_request(scope=Scope.REP, scope_ids=[instance.user_id], now=timezone.now())


@receiver(post_save, sender=Question, dispatch_uid="reinforcement.replan_question")
@receiver(post_delete, sender=Question, dispatch_uid="reinforcement.replan_question_d")
def question_changed_receive(sender, *, instance, raw: bool = False, **kwargs) -> None:
    """A question was published, retired or removed: its module's reps are re-planned."""
    if not raw:
        replan_request(
            scope=Scope.MODULE, scope_ids=[instance.module_id], now=timezone.now()
        )


@receiver(
    post_save, sender=Organization, dispatch_uid="reinforcement.replan_organization"
)
def organization_changed_receive(
    sender, *, instance, raw: bool = False, **kwargs
) -> None:
    """Default dose, introduction rate or target may have changed: re-plan everyone."""
    if not raw and not kwargs.get("created"):
        replan_request(
            scope=Scope.ORGANIZATION, scope_ids=[instance.pk], now=timezone.now()
        )


@receiver(post_save, sender=Team, dispatch_uid="reinforcement.replan_team")
def team_changed_receive(
    sender, *, instance, created: bool, update_fields=None, raw: bool = False, **kwargs
) -> None:
    """The team's holiday country may have changed: today may have become a day
    off for its reps, or a working day. A new team has no reps yet."""
    if raw or created or (update_fields and "holiday_country" not in update_fields):
        return
    replan_request(scope=Scope.TEAM, scope_ids=[instance.pk], now=timezone.now())


@receiver(post_save, sender=Holiday, dispatch_uid="reinforcement.replan_holiday")
@receiver(post_delete, sender=Holiday, dispatch_uid="reinforcement.replan_holiday_d")
def holiday_changed_receive(sender, *, instance, raw: bool = False, **kwargs) -> None:
    """A holiday was added, moved or removed: today may have become a day off
    (its unanswered plans are withdrawn) or a working day (it gets a plan)."""
    if not raw:
        replan_request(
            scope=Scope.ORGANIZATION,
            scope_ids=[instance.organization_id],
            now=timezone.now(),
        )


@receiver(plan_today_requested, dispatch_uid="reinforcement.plan_today")
def plan_today_receive(sender, *, rep_ids: list[int], **kwargs) -> tuple[int, int]:
    """Plan (or re-plan) today now for these reps, ignoring the delivery hour."""
    from reinforcement.tasks import deliveries_enqueue

    result = plans_replan(
        rep_ids=list(rep_ids), now=timezone.now(), ignore_delivery_hour=True
    )
    plan_ids = result.deliver_plan_ids
    transaction.on_commit(lambda: deliveries_enqueue(plan_ids))
    return result.reps_with_plan, result.questions
