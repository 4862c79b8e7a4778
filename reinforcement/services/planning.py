"""Plan each rep's daily dose: one plan per rep per local day, under a budget."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import IntegrityError, transaction

from enablement.models import Question
from ops import metrics
from reinforcement.db.functions import Epoch
from reinforcement.memory.plan_scoring import Candidates, PlanPolicy, plan_choose
from reinforcement.memory.rep_calendar import RepSchedule
from reinforcement.memory.scheduling import SECONDS_PER_DAY, MemoryModel
from reinforcement.models import DailyPlan, MemoryState, Prompt
from reinforcement.selectors.campaigns import campaign_topic_boosts
from reinforcement.selectors.enrollments import enrolled_questions
from reinforcement.selectors.memory_models import rep_memory_models
from reinforcement.services.delivery import deliveries_create
from reinforcement.services.memory_states import memory_state_initial
from reinforcement.services.plan_contexts import RepContext, rep_contexts
from reinforcement.services.plan_rows import plan_prompts


@dataclass
class PlanOutcome:
    rep_id: int
    username: str
    local_date: dt.date
    # "planned", "exists", "not_working_day", "paused", "too_early", and
    # "no_profile" (no rep profile, or the rep left)
    status: str
    plan_id: int | None = None
    question_keys: list[str] = field(default_factory=list)


@metrics.plans_counted
def plans_create(
    *, rep_ids: list[int], now: dt.datetime, ignore_delivery_hour: bool = False
) -> list[PlanOutcome]:
    """Plan today's dose for each rep whose day it is; safe to run again or in parallel.

    Reads are batched for the whole chunk; the chunk's plans, prompts and
    Delivery rows are written in one transaction, so no plan exists without
    its deliveries, and the (rep, local day) unique constraint makes a second
    planner for the same rep a no-op.
    """
    contexts = rep_contexts(rep_ids, now=now)
    outcomes, local_dates = _plannable_split(
        rep_ids, contexts, now, ignore_delivery_hour=ignore_delivery_hour
    )
    if not local_dates:
        return outcomes
    todo, existing = _planned_split(list(local_dates), contexts, local_dates)
    outcomes.extend(existing)
    if not todo:
        return outcomes
    drafts = plan_drafts(todo, contexts, local_dates, now)
    outcomes.extend(_write_plans(drafts, now))
    return outcomes


def _plannable_split(
    rep_ids: list[int],
    contexts: dict[int, RepContext],
    now: dt.datetime,
    *,
    ignore_delivery_hour: bool,
) -> tuple[list[PlanOutcome], dict[int, dt.date]]:
    """The outcomes of the reps not to plan now, and the local day of those to plan."""
    outcomes: list[PlanOutcome] = []
    plannable: dict[int, dt.date] = {}
    for rep_id in rep_ids:
        ctx = contexts.get(rep_id)
        if ctx is None:
            outcomes.append(PlanOutcome(rep_id, "", now.date(), "no_profile"))
            continue
        local_date = ctx.schedule.local_date(now)
        status = _not_plannable_status(
            ctx.schedule, local_date, now, ignore_delivery_hour=ignore_delivery_hour
        )
        if status is None:
            plannable[rep_id] = local_date
        else:
            outcomes.append(PlanOutcome(rep_id, ctx.username, local_date, status))
    return outcomes, plannable


def _not_plannable_status(
    schedule: RepSchedule,
    local_date: dt.date,
    now: dt.datetime,
    *,
    ignore_delivery_hour: bool,
) -> str | None:
    """Why the rep's day cannot be planned now, or None if it can."""
    if not schedule.is_working_day(local_date):
        return "not_working_day"
    if schedule.is_paused(local_date):
        return "paused"
    if not schedule.can_plan(now, ignore_delivery_hour=ignore_delivery_hour):
        return "too_early"
    return None


def _planned_split(
    rep_ids: list[int],
    contexts: dict[int, RepContext],
    local_dates: dict[int, dt.date],
) -> tuple[list[int], list[PlanOutcome]]:
    """The reps still without a plan for their local day, and "exists" for the rest."""
    already = set(
        DailyPlan.objects.filter(
            rep_id__in=rep_ids, local_date__in=set(local_dates.values())
        ).values_list("rep_id", "local_date")
    )
    todo = [r for r in rep_ids if (r, local_dates[r]) not in already]
    existing = [
        PlanOutcome(r, contexts[r].username, local_dates[r], "exists")
        for r in rep_ids
        if (r, local_dates[r]) in already
    ]
    return todo, existing


def plan_drafts(
    rep_ids: list[int],
    contexts: dict[int, RepContext],
    local_dates: dict[int, dt.date],
    now: dt.datetime,
    reopen: frozenset[int] = frozenset(),
) -> list["_Draft"]:
    """Choose each rep's questions, reading the chunk's states and facts in batches.

    The open prompts of the plans in `reopen` (being re-planned) are candidates.
    """
    on_date = max(local_dates[r] for r in rep_ids)
    wanted = enrolled_questions(rep_ids=rep_ids, on_date=on_date)
    # The organization's model with each rep's forgetting multiplier: one
    # query for the chunk's multipliers.
    rep_models = rep_memory_models(
        rep_organizations={r: contexts[r].organization_id for r in rep_ids}
    )
    states = _load_states(rep_ids, wanted, rep_models, now)
    questions = _question_facts(set().union(*wanted.values()))
    busy = _questions_not_to_ask(rep_ids, local_dates, reopen)
    teams = {r: contexts[r].team_id for r in rep_ids}
    boosts = campaign_topic_boosts(rep_teams=teams, local_dates=local_dates)
    return [
        _choose(
            contexts[r],
            local_dates[r],
            states.get(r),
            questions,
            busy[r],
            rep_models[r],
            now,
            boosts.get(r),
        )
        for r in rep_ids
    ]


@dataclass
class _QuestionFacts:
    key: str
    topic_id: int
    order: int


def _question_facts(question_ids: set[int]) -> dict[int, _QuestionFacts]:
    rows = Question.objects.filter(pk__in=question_ids).values_list(
        "id", "key", "topic_id", "module__position"
    )
    return {
        qid: _QuestionFacts(key, topic, position * 1_000_000 + qid)
        for qid, key, topic, position in rows
    }


def _load_states(
    rep_ids: list[int],
    wanted: dict[int, dict[int, dt.date | None]],
    models: dict[int, MemoryModel],
    now: dt.datetime,
) -> dict[int, tuple[list, list, list, list]]:
    """Each rep's enrolled questions as columns: ids, stability, difficulty, elapsed days.

    Creates the missing memory states on the way, so enrolling a rep needs no
    separate step: new, or studied on the day the module was taught live.
    """
    columns: dict[int, tuple[list, list, list, list]] = {}
    seen: dict[int, set[int]] = defaultdict(set)
    rows = (
        MemoryState.objects.filter(rep_id__in=rep_ids)
        .annotate(last_epoch=Epoch("last_review"))
        .values_list("rep_id", "question_id", "stability", "difficulty", "last_epoch")
    )
    now_epoch = now.timestamp()

    def add(rep_id, qid, stability, difficulty, last_epoch):
        ids, s, d, t = columns.setdefault(rep_id, ([], [], [], []))
        ids.append(qid)
        s.append(np.nan if stability is None else stability)
        d.append(np.nan if difficulty is None else difficulty)
        t.append(
            np.nan if last_epoch is None else (now_epoch - last_epoch) / SECONDS_PER_DAY
        )

    for rep_id, qid, stability, difficulty, last in rows:
        seen[rep_id].add(qid)
        if qid in wanted[rep_id]:  # else retired, unpublished or no longer enrolled
            add(rep_id, qid, stability, difficulty, last)
    missing = [
        memory_state_initial(
            rep_id=rep_id,
            question_id=qid,
            taught_on=wanted[rep_id][qid],
            model=models[rep_id],
            now=now,
        )  # fmt: skip
        for rep_id in rep_ids
        for qid in wanted[rep_id].keys() - seen[rep_id]
    ]
    MemoryState.objects.bulk_create(missing, ignore_conflicts=True, batch_size=5000)
    for state in missing:
        last = state.last_review.timestamp() if state.last_review else None
        add(state.rep_id, state.question_id, state.stability, state.difficulty, last)
    return columns


def _questions_not_to_ask(
    rep_ids: list[int], local_dates: dict[int, dt.date], reopen: frozenset[int]
) -> dict[int, set[int]]:
    """Questions still open from an earlier day, or already asked today (refresher)."""
    busy: dict[int, set[int]] = defaultdict(set)
    open_ = [Prompt.Status.PLANNED, Prompt.Status.DELIVERED]
    rows = (
        Prompt.objects.filter(rep_id__in=rep_ids, status__in=open_)
        .exclude(plan_id__in=reopen)
        .values_list("rep_id", "question_id")
    )
    for rep_id, question_id in rows:
        busy[rep_id].add(question_id)
    today = (
        Prompt.objects.filter(
            rep_id__in=rep_ids, local_date__in=set(local_dates.values())
        )
        .exclude(plan_id__in=reopen, status__in=open_)
        .values_list("rep_id", "question_id", "local_date")
    )
    for rep_id, question_id, day in today:
        if local_dates[rep_id] == day:
            busy[rep_id].add(question_id)
    return busy


@dataclass
class _Draft:
    ctx: RepContext
    local_date: dt.date
    question_ids: list[int]
    keys: list[str]
    recalls: list[float | None]
    expires_at: dt.datetime


def _choose(ctx, local_date, columns, questions, busy, model, now, boost) -> _Draft:
    qids, candidates = _candidates(columns, questions, busy, boost)
    policy = PlanPolicy(ctx.budget, ctx.new_limit, ctx.target_retention)
    chosen = plan_choose(model, candidates, policy)
    recall = model.recall(candidates.stability[chosen], candidates.elapsed_days[chosen])
    window = dt.timedelta(days=ctx.window_days)
    return _Draft(
        ctx=ctx,
        local_date=local_date,
        question_ids=[qids[i] for i in chosen],
        keys=[questions[qids[i]].key for i in chosen],
        recalls=[None if np.isnan(r) else float(r) for r in np.atleast_1d(recall)],
        expires_at=max(ctx.schedule.delivery_time(local_date) + window, now + window),
    )


def _candidates(
    columns: tuple[list, list, list, list] | None,
    questions: dict[int, _QuestionFacts],
    busy: set[int],
    boost: dict[int, float] | None = None,
) -> tuple[list[int], Candidates]:
    """The rep's questions that may be asked today, as plan_choose's arrays."""
    ids, stability, difficulty, elapsed = columns or ([], [], [], [])
    keep = [i for i, qid in enumerate(ids) if qid not in busy]
    qids = [ids[i] for i in keep]
    candidates = Candidates(
        stability=_kept(stability, keep),
        difficulty=_kept(difficulty, keep),
        elapsed_days=np.maximum(_kept(elapsed, keep), 0.0),
        topic=np.array([questions[q].topic_id for q in qids], dtype=np.int64),
        order=np.array([questions[q].order for q in qids], dtype=np.int64),
    )
    if boost:  # a campaign: its topics' scores are multiplied (plan_scoring)
        candidates.weight = np.array([boost.get(t, 1.0) for t in candidates.topic])
    return qids, candidates


def _kept(column: list, keep: list[int]) -> np.ndarray:
    return np.array([column[i] for i in keep], dtype=float)


def _outcome(draft: _Draft, status: str, plan_id: int | None = None) -> PlanOutcome:
    schedule = draft.ctx.schedule
    keys = draft.keys if status == "planned" else []
    return PlanOutcome(
        schedule.rep_id, draft.ctx.username, draft.local_date, status, plan_id, keys
    )


def _write_plans(drafts: list[_Draft], now: dt.datetime) -> list[PlanOutcome]:
    """Write the chunk's plans, prompts and deliveries in one transaction.

    On a race with another planner (the unique constraint), write rep by rep:
    the winner keeps its plan and this planner reports "exists".
    """
    try:
        with transaction.atomic():
            plans = _write(drafts, now)
    except IntegrityError:
        if len(drafts) == 1:  # another planner won the race for this rep and day
            return [_outcome(drafts[0], "exists")]
        return [outcome for d in drafts for outcome in _write_plans([d], now)]
    return [_outcome(d, "planned", p.pk) for d, p in zip(drafts, plans, strict=True)]


def _write(drafts: list[_Draft], now: dt.datetime) -> list[DailyPlan]:
    """The plans, their prompts and, for a plan with prompts, its outbox rows."""
    plans = DailyPlan.objects.bulk_create(
        DailyPlan(
            rep_id=d.ctx.schedule.rep_id,
            local_date=d.local_date,
            planned_at=now,
            prompt_count=len(d.question_ids),
        )
        for d in drafts
    )
    pairs = list(zip(drafts, plans, strict=True))
    Prompt.objects.bulk_create(
        [p for d, plan in pairs for p in plan_prompts(d, plan)], batch_size=5000
    )
    deliveries_create(
        plan_channels=[(plan, d.ctx.channels) for d, plan in pairs if d.question_ids],
        now=now,
    )
    return plans
