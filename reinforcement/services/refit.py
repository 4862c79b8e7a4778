"""Refit an organization's FSRS parameters from its Answer log."""

import datetime as dt
from collections import defaultdict

from enablement.models import Organization
from reinforcement.memory.rep_calendar import zone
from reinforcement.memory.scheduling import (
    Review,
    history_with_teaching,
    parameters_refit,
    training_items,
)
from reinforcement.models import Answer, MemoryModelFit
from reinforcement.selectors.enrollments import enrolled_questions
from reinforcement.selectors.memory_models import organization_parameters

# The last fifth of the answers in time is the hold-out the candidate must win on.
HOLDOUT_SHARE = 0.2
# Below these, a fit is noise; the attempt is still recorded.
MIN_TRAIN_ITEMS = 200
MIN_HOLDOUT_ITEMS = 50


def answer_histories(
    *, organization_id: int, today: dt.date | None = None
) -> list[list[Review]]:
    """Each (rep, question)'s reviews in time order, with whole local days between them.

    Days are counted between the rep's local calendar dates, as Anki counts
    them from its day cutoff: 17:00 then 09:00 the next morning is one day.
    Where the question's module was taught live (the enrollment's
    ``taught_on``), the lesson leads the history as a first "Good" review.
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
        )
        .iterator(chunk_size=10_000)
    )
    histories: dict[tuple[int, int], list[Review]] = defaultdict(list)
    first_day: dict[tuple[int, int], dt.date] = {}
    last_day: dict[tuple[int, int], dt.date] = {}
    for rep_id, question_id, rating, at, time_zone in rows:
        pair = (rep_id, question_id)
        day = at.astimezone(zone(time_zone or "UTC")).date()
        previous = last_day.get(pair)
        delta = (day - previous).days if previous else 0
        histories[pair].append(Review(rating, delta, at.timestamp()))
        first_day.setdefault(pair, day)
        last_day[pair] = day
    taught = enrolled_questions(
        rep_ids=sorted({rep_id for rep_id, _ in histories}),
        on_date=today or dt.date.max,
    )
    out = []
    for (rep_id, question_id), history in histories.items():
        taught_on = taught.get(rep_id, {}).get(question_id)
        if taught_on is not None and taught_on <= first_day[(rep_id, question_id)]:
            at = dt.datetime.combine(taught_on, dt.time(12), tzinfo=dt.UTC).timestamp()
            history = history_with_teaching(
                history,
                days_before_first=(first_day[(rep_id, question_id)] - taught_on).days,
                at=at,
            )
        out.append(history)
    return out


def organization_refit(
    *, organization: Organization, now: dt.datetime
) -> MemoryModelFit:
    """Fit on the earlier answers, score on the later ones, adopt only if better."""
    current = organization_parameters(organization_id=organization.pk)
    histories = answer_histories(organization_id=organization.pk, today=now.date())
    times = sorted(r.at for h in histories for r in h)
    fit = MemoryModelFit(
        organization=organization,
        fitted_at=now,
        parameters=list(current),
        previous_parameters=list(current),
        adopted=False,
        train_reviews=0,
        holdout_reviews=0,
    )
    if not times:
        fit.note = "no answers yet"
        fit.save()
        return fit
    cutoff = (
        times[int(len(times) * (1 - HOLDOUT_SHARE))] if len(times) > 1 else times[0]
    )
    train = training_items(histories, ends_before=cutoff)
    holdout = training_items(histories, ends_from=cutoff)
    fit.train_reviews, fit.holdout_reviews = len(train), len(holdout)
    fit.holdout_from = dt.datetime.fromtimestamp(cutoff, tz=dt.UTC)
    if len(train) < MIN_TRAIN_ITEMS or len(holdout) < MIN_HOLDOUT_ITEMS:
        fit.note = (
            f"not enough reviews to fit (train {len(train)} < {MIN_TRAIN_ITEMS} "
            f"or hold-out {len(holdout)} < {MIN_HOLDOUT_ITEMS})"
        )
        fit.save()
        return fit
    result = parameters_refit(current=current, train_items=train, holdout_items=holdout)
    fit.parameters = list(result.candidate_parameters)
    fit.adopted = result.adopted
    fit.current_log_loss = result.current.log_loss
    fit.candidate_log_loss = result.candidate.log_loss
    fit.current_rmse_bins = result.current.rmse_bins
    fit.candidate_rmse_bins = result.candidate.rmse_bins
    fit.note = (
        "adopted: better on the hold-out"
        if result.adopted
        else "kept current parameters"
    )
    fit.save()
    return fit
