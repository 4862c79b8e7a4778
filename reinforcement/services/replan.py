"""Re-plan today's unanswered plans when what they were chosen from changed.

A change to a rep's enrollments, their modules' published questions, their
dose, time zone, delivery hour, working days or pause, or their
organization's settings writes a `ReplanRequest` in its own transaction
(reinforcement/receivers.py). `plans_replan_task` (beat, every minute) turns
those requests into reps and calls `plans_replan`; "Plan today now" in admin
calls it too, ignoring the delivery hour. The rules (docs/planning.md,
"Re-planning"):

- A plan with an answer is never touched; a rep with no plan yet is planned
  as the dispatcher would (`plans_create`).
- Otherwise today's dose is chosen again with the plan's open prompts as
  candidates: prompts of questions still chosen stay (same row, same
  delivery), new ones are added, the others are withdrawn (not deleted: a
  planned prompt is already on the rep's Today page and in the API, so a
  client holding it gets the "withdrawn" refusal rather than a 404, and the
  row says what happened). A paused or non-working day chooses nothing.
- Outbox: a plan whose in-app delivery was already sent gets its new prompts
  as delivered (they show on Today and in the API at once) and no second
  email or Slack message. A plan of which nothing was sent keeps its pending
  rows (they send the prompts open at sending time); if it has no pending row
  (it was empty, or its rows were canceled) and the rep's delivery hour has
  passed, its rows are made pending once and the plan is enqueued.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from reinforcement.models import DailyPlan, Delivery, Prompt, ReplanRequest
from reinforcement.selectors.replan import (
    REQUESTS_READ,
    replan_requests_reps,
    replan_scope_reps,
)
from reinforcement.services.plan_contexts import rep_contexts
from reinforcement.services.plan_rows import plan_prompts
from reinforcement.services.planning import (
    PlanOutcome,
    _Draft,
    plan_drafts,
    plans_create,
)
from reinforcement.services.prompts import OPEN, prompts_withdraw
from reinforcement.services.rollups.participation import participation_refresh

# Reps one beat run re-plans; the rest wait for the next minute. Re-planning
# costs about 1.75 ms per rep per process on a loaded 2-core machine (20,000
# reps in 35 s with two, docs/benchmarks.md), so a run stays well inside the
# task's 45 s limit; an organization-wide change of 20,000 reps drains in ten.
REPLAN_BATCH = 2000
REPLAN_CHUNK = 200
REPLANNED = ("planned", "replanned", "unchanged")


@dataclass
class ReplanResult:
    outcomes: list[PlanOutcome] = field(default_factory=list)
    # Plans whose Delivery rows were created or made pending again: enqueue them.
    deliver_plan_ids: list[int] = field(default_factory=list)

    @property
    def reps_with_plan(self) -> int:
        """Reps who have questions planned for today after this run."""
        return sum(
            1 for o in self.outcomes if o.status in REPLANNED and o.question_keys
        )

    @property
    def questions(self) -> int:
        return sum(len(o.question_keys) for o in self.outcomes if o.status in REPLANNED)


def plans_replan(
    *, rep_ids: list[int], now: dt.datetime, ignore_delivery_hour: bool = False
) -> ReplanResult:
    """Plan or re-plan today for these reps; safe to run again or in parallel."""
    result = ReplanResult()
    for start in range(0, len(rep_ids), REPLAN_CHUNK):
        _chunk_replan(
            rep_ids[start : start + REPLAN_CHUNK], now, ignore_delivery_hour, result
        )
    return result


def _chunk_replan(
    rep_ids: list[int],
    now: dt.datetime,
    ignore_delivery_hour: bool,
    result: ReplanResult,
) -> None:
    contexts = rep_contexts(rep_ids, now=now)
    local_dates = {r: c.schedule.local_date(now) for r, c in contexts.items()}
    plans = _today_plans(local_dates)
    fresh = [r for r in rep_ids if r not in plans]
    if fresh:
        created = plans_create(
            rep_ids=fresh, now=now, ignore_delivery_hour=ignore_delivery_hour
        )
        result.outcomes.extend(created)
        result.deliver_plan_ids.extend(
            o.plan_id for o in created if o.status == "planned" and o.question_keys
        )
    answered = set(
        Prompt.objects.filter(
            plan_id__in=plans.values(), status=Prompt.Status.ANSWERED
        ).values_list("plan_id", flat=True)
    )
    result.outcomes.extend(
        PlanOutcome(r, contexts[r].username, local_dates[r], "answered", p)
        for r, p in plans.items()
        if p in answered
    )
    todo = [r for r, p in plans.items() if p not in answered]
    drafts = _replan_drafts(todo, contexts, local_dates, plans, now)
    for rep_id in todo:
        ctx = contexts[rep_id]
        may_deliver = ctx.schedule.can_plan(
            now, ignore_delivery_hour=ignore_delivery_hour
        )
        outcome, deliver = _plan_replace(
            plans[rep_id], drafts[rep_id], now, may_deliver=may_deliver
        )
        result.outcomes.append(outcome)
        if deliver:
            result.deliver_plan_ids.append(outcome.plan_id)


def _replan_drafts(todo, contexts, local_dates, plans, now) -> dict[int, _Draft]:
    """Each rep's new dose; an empty one on a paused or non-working day."""
    working = [
        r for r in todo if contexts[r].schedule.can_plan(now, ignore_delivery_hour=True)
    ]
    drafts = {r: _Draft(contexts[r], local_dates[r], [], [], [], now) for r in todo}
    if working:
        reopen = frozenset(plans[r] for r in working)
        for draft in plan_drafts(working, contexts, local_dates, now, reopen=reopen):
            drafts[draft.ctx.schedule.rep_id] = draft
    return drafts


def _today_plans(local_dates: dict[int, dt.date]) -> dict[int, int]:
    rows = DailyPlan.objects.filter(
        rep_id__in=list(local_dates), local_date__in=set(local_dates.values())
    ).values_list("rep_id", "local_date", "pk")
    return {rep: pk for rep, day, pk in rows if local_dates[rep] == day}


@transaction.atomic
def _plan_replace(
    plan_id: int, draft: _Draft, now: dt.datetime, *, may_deliver: bool
) -> tuple[PlanOutcome, bool]:
    """Make the plan's open prompts the draft's, under the plan's row lock."""
    rep_id = draft.ctx.schedule.rep_id
    plan = DailyPlan.objects.select_for_update().get(pk=plan_id)
    rows = list(
        Prompt.objects.select_for_update()
        .filter(plan_id=plan_id)
        .values_list("question_id", "status", "position")
    )

    def outcome(status: str, keys: list[str]) -> PlanOutcome:
        return PlanOutcome(
            rep_id, draft.ctx.username, draft.local_date, status, plan_id, keys
        )

    if any(status == Prompt.Status.ANSWERED for _, status, _ in rows):
        return outcome("answered", []), False  # answered since it was read
    open_ids = {q for q, status, _ in rows if status in OPEN}
    drop = open_ids - set(draft.question_ids)
    add = [q for q in draft.question_ids if q not in open_ids]
    if not add and not drop:
        return outcome("unchanged", draft.keys), False
    inbox_sent = plan.deliveries.filter(
        channel=Delivery.Channel.INBOX, status=Delivery.Status.SENT
    ).exists()
    extra = (
        {"status": Prompt.Status.DELIVERED, "delivered_at": now} if inbox_sent else {}
    )
    Prompt.objects.bulk_create(
        plan_prompts(
            draft, plan, skip=frozenset(open_ids), start=max((r[2] for r in rows), default=0) + 1, **extra
        )
    )  # fmt: skip
    if drop:  # after the additions, so a plan still with prompts keeps its deliveries
        prompts_withdraw(
            now=now, rep_ids=[rep_id], question_ids=drop, reason="re-planned"
        )
    elif inbox_sent:
        participation_refresh(rep_ids={rep_id}, days={draft.local_date})
    plan.prompt_count = len(draft.question_ids)
    plan.save(update_fields=["prompt_count", "updated_at"])
    deliver = bool(draft.question_ids) and _deliveries_reopen(
        plan, draft, now, may_deliver=may_deliver
    )
    return outcome("replanned", draft.keys), deliver


def _deliveries_reopen(
    plan: DailyPlan, draft: _Draft, now: dt.datetime, *, may_deliver: bool
) -> bool:
    """Give a plan of which nothing was sent pending rows again; whether to enqueue it.

    Before the rep's delivery hour the rows are due at that hour: the sweeper
    sends them then (the dispatcher skips a rep who has a plan).
    """
    statuses = set(plan.deliveries.values_list("channel", "status"))
    if {s for _, s in statuses} & {Delivery.Status.SENT, Delivery.Status.PENDING}:
        return False  # delivered already, or its pending rows will send the new prompts
    due = now + dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_GRACE_SECONDS)
    if not may_deliver:
        due = max(due, draft.ctx.schedule.delivery_time(draft.local_date))
    revived = plan.deliveries.filter(status=Delivery.Status.CANCELED).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=due, last_error="", updated_at=now
    )  # fmt: skip
    known = {c for c, _ in statuses}
    missing = [c for c in draft.ctx.channels if c not in known]
    Delivery.objects.bulk_create(
        [Delivery(plan=plan, channel=c, next_attempt_at=due) for c in missing]
    )
    return may_deliver and bool(revived or missing)


def replan_requests_apply(
    *, now: dt.datetime, limit: int = REPLAN_BATCH
) -> ReplanResult:
    """Re-plan the reps of pending requests (at most `limit`); clear what was done.

    A request is cleared only if it is unchanged since it was read, so a change
    committed while this runs is re-planned on the next run. A scope with more
    reps than `limit` (an organization) is first split into one request per rep.
    """
    _scopes_split(limit=limit, now=now)
    requests, rep_ids = replan_requests_reps(limit=limit)
    result = plans_replan(rep_ids=rep_ids, now=now)
    for pk, requested_at in requests:
        ReplanRequest.objects.filter(pk=pk, requested_at=requested_at).delete()
    return result


def _scopes_split(*, limit: int, now: dt.datetime) -> None:
    wide = ReplanRequest.objects.exclude(scope=ReplanRequest.Scope.REP).values_list(
        "pk", "scope", "scope_id", "requested_at"
    )
    for pk, scope, scope_id, requested_at in wide[:REQUESTS_READ]:
        reps = replan_scope_reps(scope=scope, scope_id=scope_id)
        if len(reps) > limit:
            with transaction.atomic():
                replan_request(scope=ReplanRequest.Scope.REP, scope_ids=reps, now=now)
                ReplanRequest.objects.filter(pk=pk, requested_at=requested_at).delete()


def replan_request(*, scope: str, scope_ids: Iterable[int], now: dt.datetime) -> int:
    """Ask for these scopes' reps to be re-planned; call inside the change's transaction.

    One upsert whatever the scope's size; the beat resolves it into reps.
    """
    rows = [
        ReplanRequest(scope=scope, scope_id=i, requested_at=now)
        for i in sorted({i for i in scope_ids if i is not None})
    ]
    ReplanRequest.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["scope", "scope_id"],
        update_fields=["requested_at"],
    )
    return len(rows)
