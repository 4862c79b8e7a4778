import datetime as dt

from django.utils import timezone

from reinforcement.models import Answer, Prompt


def make_prompt(
    *, rep, question, local_date=None, expires_in_days=3, **extra
) -> Prompt:
    """An open (delivered) prompt of a question for a rep."""
    now = timezone.now()
    return Prompt.objects.create(
        rep=rep,
        question=question,
        local_date=local_date or now.date(),
        status=extra.pop("status", Prompt.Status.DELIVERED),
        expires_at=now + dt.timedelta(days=expires_in_days),
        **extra,
    )


def answered_prompt(
    *, rep, question, at, correct, recalled, rating, stability_after, difficulty_after
) -> tuple[Prompt, Answer]:
    """An answered prompt and its answer at ``at``, unsaved (for bulk_create).

    The rep said "fairly sure" when they remembered and "guess" when not, on a
    4-choice question, answered on time.
    """
    prompt = Prompt(
        rep=rep, question=question, local_date=at.date(), status="answered",
        expires_at=at + dt.timedelta(days=3), answered_at=at,
    )  # fmt: skip
    answer = Answer(
        prompt=prompt,
        rep=rep,
        question=question,
        question_version=1,
        idempotency_key=f"{prompt.id}",
        chosen_choice_ids=[],
        choice_count=4,
        correct=correct,
        confidence="fairly_sure" if recalled else "guess",
        rating=rating,
        stability_after=stability_after,
        difficulty_after=difficulty_after,
        on_time=True,
        answered_at=at,
    )
    return prompt, answer
