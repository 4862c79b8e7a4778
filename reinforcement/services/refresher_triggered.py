"""Refreshers another app asks for (a deal entered a stage), many at a time.

A batch of requests is read as planning reads its reps: the reps' contexts,
enrollments, candidate questions, busy prompts, memory states and memory
models in one query (or a few) each for the whole batch, then each refresher
is written in its own savepoint, so one conflict loses only that one. A burst
of CRM events costs a few queries per refresher instead of some twenty-five.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from enablement.models import Question
from reinforcement.memory.scheduling import MemoryModel
from reinforcement.models import MemoryState, Prompt, PromptTrigger
from reinforcement.selectors.enrollments import enrolled_question_ids
from reinforcement.selectors.memory_models import rep_memory_models
from reinforcement.selectors.prompts import OPEN_STATUSES
from reinforcement.services.delivery import trigger_deliveries_create
from reinforcement.services.plan_contexts import RepContext, rep_contexts
from reinforcement.services.refresher import (
    DEFAULT_REFRESHER_SIZE,
    REFRESHER_WINDOW,
    RefresherRejected,
    weakest_first,
)


@dataclass(frozen=True)
class RefresherRequest:
    """One refresher asked for: whose, on which topics, named how, and the
    asker's unique key (asking again returns the first trigger)."""

    rep_id: int
    topic_ids: tuple[int, ...]
    label: str
    reference: str
    size: int = DEFAULT_REFRESHER_SIZE


@dataclass
class _Reads:
    """What a batch of requests needs, read once for all of it."""

    contexts: dict[int, RepContext]
    local_dates: dict[int, dt.date]
    enrolled: dict[int, set[int]]
    # topic -> (question, organization) of its published questions
    questions: dict[int, list[tuple[int, int]]]
    busy: dict[int, set[int]] = field(default_factory=dict)
    states: dict[int, dict[int, tuple[float, dt.datetime]]] = field(
        default_factory=dict
    )
    models: dict[int, MemoryModel] = field(default_factory=dict)


def refreshers_triggered_create(
    *, requests: Sequence[RefresherRequest], now: dt.datetime
) -> list[PromptTrigger | RefresherRejected]:
    """Make these refreshers; for each request, in order, its trigger or why not.

    Each is the rep's most-forgotten questions of its topics, as
    `refresher_create` chooses them, skipping questions already open or asked
    today (including by an earlier request of the batch). Its prompts carry
    the trigger, and the trigger's Delivery rows commit with them, so the
    caller enqueues `triggers_deliver_task` after the commit and the delivery
    sweeper re-drives a lost one. A rejection says "not_a_rep",
    "not_enrolled" or "nothing_left".
    """
    made = {
        t.reference: t
        for t in PromptTrigger.objects.filter(
            reference__in=[r.reference for r in requests]
        )
    }
    fresh = [r for r in requests if r.reference not in made]
    reads = _reads_load(fresh, now) if fresh else None
    results: list[PromptTrigger | RefresherRejected] = []
    for request in requests:
        if request.reference not in made:
            result = _refresher_make(request, reads, now)
            if isinstance(result, RefresherRejected):
                results.append(result)
                continue
            made[request.reference] = result
        results.append(made[request.reference])
    return results


def refresher_triggered_create(
    *,
    rep_id: int,
    topic_ids: list[int],
    label: str,
    reference: str,
    now: dt.datetime,
    size: int = DEFAULT_REFRESHER_SIZE,
) -> PromptTrigger:
    """One refresher (`refreshers_triggered_create`); raises RefresherRejected."""
    request = RefresherRequest(rep_id, tuple(topic_ids), label, reference, size)
    (result,) = refreshers_triggered_create(requests=[request], now=now)
    if isinstance(result, RefresherRejected):
        raise result
    return result


def _reads_load(requests: list[RefresherRequest], now: dt.datetime) -> _Reads:
    rep_ids = sorted({r.rep_id for r in requests})
    contexts = rep_contexts(rep_ids, now=now)
    local_dates = {rep: ctx.schedule.local_date(now) for rep, ctx in contexts.items()}
    enrolled: dict[int, set[int]] = {}
    for day in set(local_dates.values()):
        reps = [rep for rep, d in local_dates.items() if d == day]
        enrolled.update(enrolled_question_ids(rep_ids=reps, on_date=day))
    questions: dict[int, list[tuple[int, int]]] = {}
    for question_id, topic_id, org_id in Question.objects.filter(
        status=Question.Status.PUBLISHED,
        topic_id__in={t for r in requests for t in r.topic_ids},
    ).values_list("id", "topic_id", "topic__organization_id"):
        questions.setdefault(topic_id, []).append((question_id, org_id))
    reads = _Reads(contexts, local_dates, enrolled, questions)
    _memory_read(reads, now)
    return reads


def _memory_read(reads: _Reads, now: dt.datetime) -> None:
    """The reps' busy questions (open, or asked on their local day), memory
    states and memory models, over every candidate of the batch."""
    candidates = {q for rows in reads.questions.values() for q, _org in rows}
    reps, days = list(reads.contexts), reads.local_dates
    for rep, question, status, expires_at, day in (
        Prompt.objects.filter(rep_id__in=reps, question_id__in=candidates)
        .filter(
            Q(status__in=OPEN_STATUSES, expires_at__gt=now)
            | Q(local_date__in=set(days.values()))
        )
        .values_list("rep_id", "question_id", "status", "expires_at", "local_date")
    ):
        if (status in OPEN_STATUSES and expires_at > now) or day == days[rep]:
            reads.busy.setdefault(rep, set()).add(question)
    for rep, question, stability, last_review in MemoryState.objects.filter(
        rep_id__in=reps, question_id__in=candidates, stability__isnull=False
    ).values_list("rep_id", "question_id", "stability", "last_review"):
        reads.states.setdefault(rep, {})[question] = (stability, last_review)
    organizations = {rep: ctx.organization_id for rep, ctx in reads.contexts.items()}
    reads.models = rep_memory_models(rep_organizations=organizations)


def _refresher_make(
    request: RefresherRequest, reads: _Reads, now: dt.datetime
) -> PromptTrigger | RefresherRejected:
    rep = request.rep_id
    ctx = reads.contexts.get(rep)
    if ctx is None:
        return RefresherRejected("not_a_rep", _("This person is not an active rep."))
    enrolled = reads.enrolled.get(rep, set())
    candidates = {
        question
        for topic in request.topic_ids
        for question, org in reads.questions.get(topic, ())
        if org == ctx.organization_id and question in enrolled
    }
    if not candidates:
        return RefresherRejected(
            "not_enrolled", _("The rep is enrolled in no question on these topics.")
        )
    free = candidates - reads.busy.get(rep, set())
    known = reads.states.get(rep, {})
    chosen = weakest_first(
        candidates=free,
        states=[(q, *known[q]) for q in sorted(free) if q in known],
        model=reads.models[rep],
        now=now,
        size=request.size,
    )
    if not chosen:
        return RefresherRejected(
            "nothing_left", _("Every question on these topics is open or done today.")
        )
    try:
        trigger = _refresher_write(request, reads.local_dates[rep], chosen, ctx, now)
    except IntegrityError:
        # A prompt of the same question and day appeared meanwhile (a plan),
        # or a racing request made the same reference: keep what exists.
        existing = PromptTrigger.objects.filter(reference=request.reference).first()
        return existing or RefresherRejected(
            "nothing_left", _("These questions were just asked.")
        )
    reads.busy.setdefault(rep, set()).update(chosen)
    return trigger


def _refresher_write(
    request: RefresherRequest,
    local_date: dt.date,
    chosen: list[int],
    ctx: RepContext,
    now: dt.datetime,
) -> PromptTrigger:
    with transaction.atomic():  # a savepoint inside a caller's transaction
        trigger = PromptTrigger.objects.create(
            rep_id=request.rep_id,
            label=request.label[:255],
            reference=request.reference,
            local_date=local_date,
        )
        Prompt.objects.bulk_create(
            Prompt(
                rep_id=request.rep_id,
                question_id=question_id,
                trigger=trigger,
                source=Prompt.Source.REFRESHER,
                local_date=local_date,
                position=position,
                expires_at=now + REFRESHER_WINDOW,
            )
            for position, question_id in enumerate(chosen, start=1)
        )
        trigger_deliveries_create(trigger=trigger, channels=ctx.channels, now=now)
    return trigger
