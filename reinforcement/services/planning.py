"""Plan each rep's daily dose: one plan per rep per local day, under a budget."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import IntegrityError, transaction

from enablement.models import Question, RepProfile
from reinforcement.models import DailyPlan, MemoryState, Prompt
from reinforcement.services.memory_models import organization_memory_model
from reinforcement.services.memory_states import memory_states_sync
from reinforcement.services.plan_scoring import Candidates, PlanPolicy, plan_choose
from reinforcement.services.rep_calendar import RepSchedule
from reinforcement.services.scheduling import SECONDS_PER_DAY


@dataclass
class PlanOutcome:
    rep_id: int
    username: str
    local_date: dt.date
    status: str  # "planned", "exists", "not_working_day", "paused", "too_early", "no_profile"
    plan_id: int | None = None
    question_keys: list[str] = field(default_factory=list)


@dataclass
class _RepContext:
    schedule: RepSchedule
    username: str
    organization_id: int
    budget: int
    new_limit: int
    target_retention: float
    window_days: int


def _rep_contexts(rep_ids: list[int]) -> dict[int, _RepContext]:
    rows = RepProfile.objects.filter(user_id__in=rep_ids).values_list(
        "user_id", "user__username", "time_zone", "delivery_hour", "working_days",
        "paused_until", "daily_dose", "team__organization_id",
        "team__organization__default_daily_dose", "team__organization__new_questions_per_day",
        "team__organization__target_retention", "team__organization__prompt_window_days",
    )  # fmt: skip
    return {
        row[0]: _RepContext(
            schedule=RepSchedule(row[0], row[2], row[3], row[4], row[5]),
            username=row[1],
            organization_id=row[7],
            budget=row[6] or row[8],
            new_limit=row[9],
            target_retention=row[10],
            window_days=row[11],
        )
        for row in rows
    }


def plans_create(
    *, rep_ids: list[int], now: dt.datetime, ignore_delivery_hour: bool = False
) -> list[PlanOutcome]:
    """Plan today's dose for each rep whose day it is; safe to run again or in parallel.

    Reads are batched for the whole chunk; each rep's plan and prompts are
    written in one transaction, and the (rep, local day) unique constraint
    makes a second planner for the same rep a no-op.
    """
    contexts = _rep_contexts(rep_ids)
    outcomes: list[PlanOutcome] = []
    plannable: list[int] = []
    for rep_id in rep_ids:
        ctx = contexts.get(rep_id)
        if ctx is None:
            outcomes.append(PlanOutcome(rep_id, "", now.date(), "no_profile"))
            continue
        local_date = ctx.schedule.local_date(now)
        if not ctx.schedule.is_working_day(local_date):
            status = "not_working_day"
        elif ctx.schedule.is_paused(local_date):
            status = "paused"
        elif not ctx.schedule.can_plan(now, ignore_delivery_hour=ignore_delivery_hour):
            status = "too_early"
        else:
            plannable.append(rep_id)
            continue
        outcomes.append(PlanOutcome(rep_id, ctx.username, local_date, status))
    if not plannable:
        return outcomes

    local_dates = {r: contexts[r].schedule.local_date(now) for r in plannable}
    already = set(
        DailyPlan.objects.filter(
            rep_id__in=plannable, local_date__in=set(local_dates.values())
        ).values_list("rep_id", "local_date")
    )
    todo = [r for r in plannable if (r, local_dates[r]) not in already]
    for r in plannable:
        if (r, local_dates[r]) in already:
            outcomes.append(
                PlanOutcome(r, contexts[r].username, local_dates[r], "exists")
            )
    if not todo:
        return outcomes

    memory_states_sync(rep_ids=todo, on_date=max(local_dates[r] for r in todo))
    states = _load_states(todo, now)
    busy = _questions_not_to_ask(todo, local_dates)
    models = {
        org: organization_memory_model(organization_id=org)
        for org in {contexts[r].organization_id for r in todo}
    }
    for rep_id in todo:
        ctx = contexts[rep_id]
        rows = [
            row for row in states.get(rep_id, []) if row.question_id not in busy[rep_id]
        ]
        outcomes.append(
            _plan_one(ctx, local_dates[rep_id], rows, models[ctx.organization_id], now)
        )
    return outcomes


@dataclass
class _StateRow:
    question_id: int
    key: str
    topic_id: int
    stability: float
    difficulty: float
    elapsed_days: float
    order: int


def _load_states(rep_ids: list[int], now: dt.datetime) -> dict[int, list[_StateRow]]:
    rows = (
        MemoryState.objects.filter(
            rep_id__in=rep_ids, question__status=Question.Status.PUBLISHED
        )
        .values_list(
            "rep_id", "question_id", "question__key", "question__topic_id", "stability",
            "difficulty", "last_review", "question__module__position", "question_id",
        )
        .order_by("rep_id", "question__module__position", "question_id")
    )  # fmt: skip
    by_rep: dict[int, list[_StateRow]] = defaultdict(list)
    for i, (rep_id, qid, key, topic, s, d, last, position, _) in enumerate(rows):
        elapsed = (now - last).total_seconds() / SECONDS_PER_DAY if last else np.nan
        by_rep[rep_id].append(
            _StateRow(
                qid,
                key,
                topic,
                np.nan if s is None else s,
                np.nan if d is None else d,
                max(elapsed, 0.0) if last else np.nan,
                position * 1_000_000 + i,
            )  # fmt: skip
        )
    return by_rep


def _questions_not_to_ask(
    rep_ids: list[int], local_dates: dict[int, dt.date]
) -> dict[int, set[int]]:
    """Questions still open from an earlier day, or already asked today (refresher)."""
    busy: dict[int, set[int]] = defaultdict(set)
    rows = (
        Prompt.objects.filter(rep_id__in=rep_ids)
        .filter(status__in=[Prompt.Status.PLANNED, Prompt.Status.DELIVERED])
        .values_list("rep_id", "question_id")
    )
    for rep_id, question_id in rows:
        busy[rep_id].add(question_id)
    today = Prompt.objects.filter(
        rep_id__in=rep_ids, local_date__in=set(local_dates.values())
    ).values_list("rep_id", "question_id", "local_date")
    for rep_id, question_id, day in today:
        if local_dates[rep_id] == day:
            busy[rep_id].add(question_id)
    return busy


def _plan_one(ctx, local_date, rows, model, now) -> PlanOutcome:
    outcome = PlanOutcome(ctx.schedule.rep_id, ctx.username, local_date, "planned")
    candidates = Candidates(
        stability=np.array([r.stability for r in rows], dtype=float),
        difficulty=np.array([r.difficulty for r in rows], dtype=float),
        elapsed_days=np.array([r.elapsed_days for r in rows], dtype=float),
        topic=np.array([r.topic_id for r in rows], dtype=np.int64),
        order=np.array([r.order for r in rows], dtype=np.int64),
    )
    policy = PlanPolicy(
        budget=ctx.budget,
        new_limit=ctx.new_limit,
        target_retention=ctx.target_retention,
    )
    chosen = plan_choose(model, candidates, policy)
    recall = model.recall(candidates.stability, candidates.elapsed_days) if rows else []
    expires_at = ctx.schedule.delivery_time(local_date) + dt.timedelta(
        days=ctx.window_days
    )
    try:
        with transaction.atomic():
            plan = DailyPlan.objects.create(
                rep_id=ctx.schedule.rep_id,
                local_date=local_date,
                planned_at=now,
                prompt_count=len(chosen),
            )
            Prompt.objects.bulk_create(
                Prompt(
                    rep_id=ctx.schedule.rep_id,
                    question_id=rows[i].question_id,
                    plan=plan,
                    local_date=local_date,
                    position=position,
                    predicted_recall=None if np.isnan(recall[i]) else float(recall[i]),
                    expires_at=max(
                        expires_at, now + dt.timedelta(days=ctx.window_days)
                    ),
                )
                for position, i in enumerate(chosen, start=1)
            )
    except IntegrityError:
        # Another planner won the race for this rep and day.
        outcome.status = "exists"
        return outcome
    outcome.plan_id = plan.pk
    outcome.question_keys = [rows[i].key for i in chosen]
    return outcome
