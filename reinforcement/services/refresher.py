"""The just-in-time refresher: a short set on one topic or module, weakest first."""

import datetime as dt

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import Module, Question, Topic
from reinforcement.memory.scheduling import elapsed_days_between
from reinforcement.models import MemoryState, Prompt, PromptTrigger
from reinforcement.selectors.memory_models import rep_memory_model
from reinforcement.selectors.prompts import OPEN_STATUSES, prompts_with_question
from reinforcement.selectors.reps import RepSituation, rep_situation_get
from reinforcement.services.delivery import trigger_deliveries_create
from reinforcement.services.plan_contexts import rep_contexts

DEFAULT_REFRESHER_SIZE = 5
MAX_REFRESHER_SIZE = 10
# A refresher is for the next call; left unanswered, it lapses within a day.
REFRESHER_WINDOW = dt.timedelta(hours=24)


class RefresherRejected(ApplicationError):
    """No refresher was created."""


def refresher_create(
    *,
    situation: RepSituation,
    now: dt.datetime,
    topic_id: int | None = None,
    module_id: int | None = None,
    size: int = DEFAULT_REFRESHER_SIZE,
) -> list[Prompt]:
    """Put the rep's most-forgotten questions on a topic or module in front of them.

    Questions the rep has answered come first, lowest predicted recall now
    first; questions never asked fill the remaining places. A question already
    open for the rep is reused rather than asked twice, and one already asked
    today (the one-prompt-per-question-per-day rule) is skipped. The prompts are
    ordinary prompts with ``source=refresher``: answering them goes through
    ``answer_submit`` and counts as a review.
    """
    if (topic_id is None) == (module_id is None):
        raise RefresherRejected(
            "invalid_target", _("Choose either a topic or a module.")
        )
    if not 1 <= size <= MAX_REFRESHER_SIZE:
        raise RefresherRejected(
            "invalid_size",
            _("Ask for 1 to %(max)d questions.") % {"max": MAX_REFRESHER_SIZE},
        )
    org = situation.organization_id
    if topic_id is not None:
        found = Topic.objects.filter(pk=topic_id, organization_id=org).exists()
        scope = {"topic_id": topic_id}
    else:
        found = Module.objects.filter(
            pk=module_id, methodology__organization_id=org
        ).exists()
        scope = {"module_id": module_id}
    if not found:
        raise RefresherRejected("not_found", _("No such topic or module."))
    candidates = set(
        Question.objects.filter(
            id__in=situation.enrolled_question_ids,
            status=Question.Status.PUBLISHED,
            **scope,
        ).values_list("id", flat=True)
    )
    if not candidates:
        raise RefresherRejected(
            "not_enrolled", _("You are not enrolled in any question on this.")
        )
    open_now = set(
        Prompt.objects.filter(
            rep_id=situation.rep_id,
            question_id__in=candidates,
            status__in=OPEN_STATUSES,
            expires_at__gt=now,
        ).values_list("question_id", flat=True)
    )
    done_today = (
        set(
            Prompt.objects.filter(
                rep_id=situation.rep_id,
                question_id__in=candidates,
                local_date=situation.local_date,
            ).values_list("question_id", flat=True)
        )
        - open_now
    )
    chosen = _weakest(situation, candidates - done_today, now, size)
    if not chosen:
        raise RefresherRejected(
            "nothing_left", _("You have practised every question on this today.")
        )
    new = [q for q in chosen if q not in open_now]
    with transaction.atomic():
        # A racing refresher may insert the same (rep, question, day) first.
        Prompt.objects.bulk_create(
            [
                Prompt(
                    rep_id=situation.rep_id,
                    question_id=question_id,
                    source=Prompt.Source.REFRESHER,
                    local_date=situation.local_date,
                    position=position,
                    status=Prompt.Status.DELIVERED,
                    delivered_at=now,
                    expires_at=now + REFRESHER_WINDOW,
                )
                for position, question_id in enumerate(new, start=1)
            ],
            ignore_conflicts=True,
        )
    order = {q: i for i, q in enumerate(chosen)}
    prompts = list(
        prompts_with_question(
            Prompt.objects.filter(
                rep_id=situation.rep_id,
                question_id__in=chosen,
                status__in=OPEN_STATUSES,
                expires_at__gt=now,
            )
        )
    )
    prompts.sort(key=lambda p: order[p.question_id])
    return prompts


def refresher_triggered_create(
    *,
    rep_id: int,
    topic_ids: list[int],
    label: str,
    reference: str,
    now: dt.datetime,
    size: int = DEFAULT_REFRESHER_SIZE,
) -> PromptTrigger:
    """A refresher another app asked for (a deal entered a stage), sent on the
    rep's channels through the delivery outbox.

    The rep's most-forgotten questions of those topics, as `refresher_create`
    chooses them, skipping questions already open or asked today. The prompts
    carry the trigger (its label is shown with them); the trigger's Delivery
    rows commit with them, so the caller enqueues `triggers_deliver_task` after
    the commit and the delivery sweeper re-drives a lost one. `reference` is
    the caller's unique key: asking again returns the first trigger and makes
    nothing new. Raises RefresherRejected ("not_a_rep", "not_enrolled",
    "nothing_left") when there is nothing to send.
    """
    existing = PromptTrigger.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    ctx = rep_contexts([rep_id], now=now).get(rep_id)
    situation = rep_situation_get(rep_id=rep_id, now=now)
    if ctx is None or situation is None:
        raise RefresherRejected("not_a_rep", _("This person is not an active rep."))
    candidates = set(
        Question.objects.filter(
            id__in=situation.enrolled_question_ids,
            status=Question.Status.PUBLISHED,
            topic_id__in=topic_ids,
            topic__organization_id=situation.organization_id,
        ).values_list("id", flat=True)
    )
    if not candidates:
        raise RefresherRejected(
            "not_enrolled", _("The rep is enrolled in no question on these topics.")
        )
    busy = set(
        Prompt.objects.filter(rep_id=rep_id, question_id__in=candidates)
        .filter(
            Q(status__in=OPEN_STATUSES, expires_at__gt=now)
            | Q(local_date=situation.local_date)
        )
        .values_list("question_id", flat=True)
    )
    chosen = _weakest(situation, candidates - busy, now, size)
    if not chosen:
        raise RefresherRejected(
            "nothing_left", _("Every question on these topics is open or done today.")
        )
    try:
        with transaction.atomic():
            trigger = PromptTrigger.objects.create(
                rep_id=rep_id,
                label=label[:255],
                reference=reference,
                local_date=situation.local_date,
            )
            Prompt.objects.bulk_create(
                Prompt(
                    rep_id=rep_id,
                    question_id=question_id,
                    trigger=trigger,
                    source=Prompt.Source.REFRESHER,
                    local_date=situation.local_date,
                    position=position,
                    expires_at=now + REFRESHER_WINDOW,
                )
                for position, question_id in enumerate(chosen, start=1)
            )
            trigger_deliveries_create(trigger=trigger, channels=ctx.channels, now=now)
    except IntegrityError:
        # A racing request made it first (the reference), or a prompt of the
        # same question and day appeared meanwhile: keep what exists.
        existing = PromptTrigger.objects.filter(reference=reference).first()
        if existing is None:
            raise RefresherRejected(
                "nothing_left", _("These questions were just asked.")
            ) from None
        return existing
    return trigger


def _weakest(
    situation: RepSituation, candidates: set[int], now: dt.datetime, size: int
) -> list[int]:
    rows = list(
        MemoryState.objects.filter(
            rep_id=situation.rep_id,
            question_id__in=candidates,
            stability__isnull=False,
        ).values_list("question_id", "stability", "last_review")
    )
    reviewed: list[int] = []
    if rows:
        model = rep_memory_model(
            rep_id=situation.rep_id, organization_id=situation.organization_id
        )
        stability = np.array([r[1] for r in rows], dtype=float)
        elapsed = np.array([elapsed_days_between(r[2], now) for r in rows])
        recall = np.atleast_1d(model.recall(stability, elapsed))
        reviewed = [rows[i][0] for i in np.argsort(recall, kind="stable")]
    never = sorted(candidates - set(reviewed))
    return (reviewed + never)[:size]
