"""Prompt lifecycle outside answering."""

import datetime as dt

from reinforcement.models import Prompt


def prompts_expire(*, now: dt.datetime) -> int:
    """Expire open prompts past their window; the question stays due. Returns how many."""
    return Prompt.objects.filter(
        status__in=[Prompt.Status.PLANNED, Prompt.Status.DELIVERED], expires_at__lt=now
    ).update(status=Prompt.Status.EXPIRED)
