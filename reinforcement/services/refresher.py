"""The just-in-time refresher: a short set on one topic or module, weakest first."""

import datetime as dt

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import Module, Question, Topic
from reinforcement.memory.scheduling import MemoryModel, elapsed_days_between
from reinforcement.models import MemoryState, Prompt
from reinforcement.selectors.memory_models import rep_memory_model
from reinforcement.selectors.prompts import OPEN_STATUSES, prompts_with_question
from reinforcement.selectors.reps import RepSituation

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


def _weakest(
    situation: RepSituation, candidates: set[int], now: dt.datetime, size: int
) -> list[int]:
    states = list(
        MemoryState.objects.filter(
            rep_id=situation.rep_id,
            question_id__in=candidates,
            stability__isnull=False,
        ).values_list("question_id", "stability", "last_review")
    )
    model = (
        rep_memory_model(
            rep_id=situation.rep_id, organization_id=situation.organization_id
        )
        if states
        else None
    )
    return weakest_first(
        candidates=candidates, states=states, model=model, now=now, size=size
    )


def weakest_first(
    *,
    candidates: set[int],
    states: list[tuple[int, float, dt.datetime]],
    model: MemoryModel | None,
    now: dt.datetime,
    size: int,
) -> list[int]:
    """Up to ``size`` of the candidates: those answered before, lowest predicted
    recall now first (``states``: question, stability, last review, of these
    candidates only), then those never asked, by id."""
    reviewed: list[int] = []
    if states:
        stability = np.array([r[1] for r in states], dtype=float)
        elapsed = np.array([elapsed_days_between(r[2], now) for r in states])
        recall = np.atleast_1d(model.recall(stability, elapsed))
        reviewed = [states[i][0] for i in np.argsort(recall, kind="stable")]
    never = sorted(candidates - set(reviewed))
    return (reviewed + never)[:size]
