import datetime as dt

from django.utils import timezone

from reinforcement.models import Prompt


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
