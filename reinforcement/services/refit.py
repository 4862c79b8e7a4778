"""Refit an organization's FSRS parameters from its Answer log.

The fit is ``memory.answer_fit``'s: the likelihood of the answers themselves
(right or wrong, with the question's chance level), not of their grades.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction

from enablement.models import Organization
from reinforcement.kpi_rules import chance_level
from reinforcement.memory.answer_fit import (
    AnswerHistory,
    AnswerReview,
    answer_data,
)
from reinforcement.memory.answer_refit import likelihood_refit
from reinforcement.memory.calibration import model_calibration
from reinforcement.memory.rep_calendar import zone
from reinforcement.memory.rep_memory import answer_reps, rep_forgetting_holdout
from reinforcement.memory.scheduling import DEFAULT_PARAMETERS
from reinforcement.models import Answer, MemoryModelFit, RepMemory
from reinforcement.selectors.enrollments import enrolled_questions
from reinforcement.selectors.memory_models import organization_parameters
from reinforcement.services.memory_recompute import memory_states_recompute

# The last fifth of the answers in time is the hold-out the candidate must win on.
HOLDOUT_SHARE = 0.2
# Below these, a fit is noise; the attempt is still recorded.
MIN_TRAIN_ITEMS = 200
MIN_HOLDOUT_ITEMS = 50


def answer_histories(
    *, organization_id: int, today: dt.date | None = None
) -> list[AnswerHistory]:
    """Each (rep, question)'s answers in time order (``rep_answer_histories``)."""
    return [
        h for _, h in rep_answer_histories(organization_id=organization_id, today=today)
    ]


def rep_answer_histories(
    *, organization_id: int, today: dt.date | None = None
) -> list[tuple[int, AnswerHistory]]:
    """Each (rep, question)'s answers in time order, with whole local days between them.

    Days are counted between the rep's local calendar dates, as Anki counts
    them from its day cutoff: 17:00 then 09:00 the next morning is one day.
    Where the question's module was taught live (the enrollment's
    ``taught_on``, on or before the first answer), the history starts from
    the taught memory, as the product's belief does, and its first answer is
    counted from the lesson.
    """
    rows = (
        Answer.objects.filter(
            question__module__methodology__organization_id=organization_id
        )
        .order_by("rep_id", "question_id", "answered_at")
        .values_list(
            "rep_id",
            "question_id",
            "rating",
            "answered_at",
            "rep__rep_profile__time_zone",
            "correct",
            "confidence",
            "choice_count",
            "question__kind",
        )
        .iterator(chunk_size=10_000)
    )
    histories: dict[tuple[int, int], list[AnswerReview]] = defaultdict(list)
    days: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    for rep_id, question_id, rating, at, time_zone, *answer in rows:
        correct, confidence, choice_count, kind = answer
        pair = (rep_id, question_id)
        day = at.astimezone(zone(time_zone or "UTC")).date()
        previous = days[pair][-1] if days[pair] else None
        histories[pair].append(
            AnswerReview(
                rating=rating,
                delta_days=(day - previous).days if previous else 0,
                correct=correct,
                confidence=confidence,
                chance=chance_level(kind=kind, choice_count=choice_count),
                at=at.timestamp(),
            )
        )
        days[pair].append(day)
    taught = enrolled_questions(
        rep_ids=sorted({rep_id for rep_id, _ in histories}),
        on_date=today or dt.date.max,
    )
    out = []
    for (rep_id, question_id), reviews in histories.items():
        taught_on = taught.get(rep_id, {}).get(question_id)
        first_day = days[(rep_id, question_id)][0]
        if taught_on is not None and taught_on <= first_day:
            first = reviews[0]
            reviews[0] = AnswerReview(
                rating=first.rating,
                delta_days=(first_day - taught_on).days,
                correct=first.correct,
                confidence=first.confidence,
                chance=first.chance,
                at=first.at,
            )
            out.append((rep_id, AnswerHistory(tuple(reviews), taught=True)))
        else:
            out.append((rep_id, AnswerHistory(tuple(reviews))))
    return out


def organization_refit(
    *, organization: Organization, now: dt.datetime
) -> MemoryModelFit:
    """Fit on the earlier answers, score on the later ones, adopt only if better.

    Then each rep's forgetting multiplier is fitted against the parameters in
    use after it (``rep_memories_refit``), and, when new parameters are adopted,
    every memory state is advanced again under them from its answers
    (``memory_states_recompute``), as the simulator's refit replays its belief.
    """
    keyed = rep_answer_histories(organization_id=organization.pk, today=now.date())
    fit = _organization_fit(
        organization=organization, now=now, histories=[h for _, h in keyed]
    )
    parameters = fit.parameters if fit.adopted else fit.previous_parameters
    rep_memories_refit(
        organization=organization,
        now=now,
        parameters=parameters,
        keyed_histories=keyed,
    )
    if fit.adopted:
        memory_states_recompute(
            organization=organization, parameters=parameters, now=now
        )
    return fit


def rep_memories_refit(
    *,
    organization: Organization,
    now: dt.datetime,
    parameters,
    keyed_histories: list[tuple[int, AnswerHistory]],
) -> int:
    """Fit, check and store each rep's forgetting multiplier; remove those with
    too few answers.

    Each rep's multiplier is fitted on their earlier answers and adopted only
    if it predicts their later fifth at least as well as the organization's
    model (``rep_forgetting_holdout``); a row not adopted keeps 1.0 and the
    figures. Returns how many reps have a row.
    """
    reps = sorted({rep_id for rep_id, _ in keyed_histories})
    index = {rep_id: i for i, rep_id in enumerate(reps)}
    fitted: list[RepMemory] = []
    if reps:
        data = answer_data([h for _, h in keyed_histories])
        rep_of = answer_reps(data, [index[r] for r, _ in keyed_histories])
        fits = rep_forgetting_holdout(
            data=data, rep_of_answer=rep_of, parameters=parameters, reps=len(reps)
        )
        fitted = [
            _rep_memory(rep_id=reps[i], organization=organization, fit=f, now=now)
            for i, f in enumerate(fits)
            if f is not None
        ]
    with transaction.atomic():
        RepMemory.objects.filter(organization=organization).exclude(
            rep_id__in=[m.rep_id for m in fitted]
        ).delete()
        RepMemory.objects.bulk_create(
            fitted,
            update_conflicts=True,
            unique_fields=["rep"],
            update_fields=[
                "organization", "forgetting", "forgetting_low", "forgetting_high",
                "answers", "fitted_at", *HOLDOUT_FIELDS,
            ],
        )  # fmt: skip
    return len(fitted)


HOLDOUT_FIELDS = (
    "adopted", "fitted_forgetting", "candidate_forgetting", "holdout_answers",
    "holdout_log_loss", "organization_log_loss",
)  # fmt: skip


def _rep_memory(*, rep_id: int, organization, fit, now) -> RepMemory:
    return RepMemory(
        rep_id=rep_id,
        organization=organization,
        forgetting=fit.forgetting,
        forgetting_low=fit.fitted.low,
        forgetting_high=fit.fitted.high,
        answers=fit.fitted.answers,
        fitted_at=now,
        adopted=fit.adopted,
        fitted_forgetting=fit.fitted.forgetting,
        candidate_forgetting=fit.candidate,
        holdout_answers=fit.holdout_answers,
        holdout_log_loss=fit.holdout_log_loss,
        organization_log_loss=fit.organization_log_loss,
    )


def _organization_fit(
    *, organization: Organization, now: dt.datetime, histories: list[AnswerHistory]
) -> MemoryModelFit:
    current = organization_parameters(organization_id=organization.pk)
    fit = MemoryModelFit(
        organization=organization,
        fitted_at=now,
        parameters=list(current),
        previous_parameters=list(current),
        adopted=False,
        train_reviews=0,
        holdout_reviews=0,
        likelihood=MemoryModelFit.Likelihood.ANSWERS,
    )
    data = answer_data(histories)
    times = sorted(data.at[data.observed])
    if not times:
        fit.note = "no answers yet"
        fit.save()
        return fit
    cutoff = times[int(len(times) * (1 - HOLDOUT_SHARE))]
    train = int(data.mask(ends_before=cutoff).sum())
    holdout = int(data.mask(ends_from=cutoff).sum())
    fit.train_reviews, fit.holdout_reviews = train, holdout
    fit.holdout_from = dt.datetime.fromtimestamp(cutoff, tz=dt.UTC)
    if train < MIN_TRAIN_ITEMS or holdout < MIN_HOLDOUT_ITEMS:
        fit.note = (
            f"not enough reviews to fit (train {train} < {MIN_TRAIN_ITEMS} "
            f"or hold-out {holdout} < {MIN_HOLDOUT_ITEMS})"
        )
        fit.save()
        return fit
    result = likelihood_refit(current=current, data=data, cutoff=cutoff)
    fit.parameters = list(result.candidate_parameters)
    fit.adopted = result.adopted
    fit.current_log_loss = result.current.log_loss
    fit.candidate_log_loss = result.candidate.log_loss
    fit.current_rmse_bins = result.current.rmse_bins
    fit.candidate_rmse_bins = result.candidate.rmse_bins
    holdout_mask = data.mask(ends_from=cutoff)
    fit.calibration = {
        "model": model_calibration(result.parameters, data, holdout_mask),
        "default": model_calibration(DEFAULT_PARAMETERS, data, holdout_mask),
    }
    gain = result.gain
    fit.note = (
        (
            "adopted: better on the hold-out"
            if result.adopted
            else "kept current parameters"
        )
        + f" (gain {gain.gain:+.4f} per answer, z {gain.z:.1f}, {gain.histories} histories)"
    )
    fit.save()
    return fit
