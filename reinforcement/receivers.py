"""Receivers of enablement's people and content signals: each calls one service."""

import datetime as dt

from django.dispatch import receiver

from enablement.models import Question
from enablement.signals import person_deactivated, question_retired, question_revised
from reinforcement.services.memory_states import question_memory_reset
from reinforcement.services.prompts import prompts_withdraw, rep_departure_apply


@receiver(person_deactivated, dispatch_uid="reinforcement.rep_departure")
def rep_departure_receive(sender, *, membership, at: dt.datetime, **kwargs) -> None:
    """A person left: withdraw their open prompts and cancel their deliveries."""
    rep_departure_apply(rep_id=membership.user_id, now=at)


@receiver(question_retired, dispatch_uid="reinforcement.question_retired")
def question_retired_receive(sender, *, question_id: int, at: dt.datetime, **kwargs):
    """A question was retired: its open prompts leave every rep's Today at once."""
    prompts_withdraw(now=at, question_ids=[question_id], reason="question retired")


@receiver(question_revised, dispatch_uid="reinforcement.question_revised")
def question_revised_receive(
    sender, *, question_id: int, change: str, at: dt.datetime, **kwargs
) -> None:
    """A major edit resets reps' memory of the question; a minor one keeps it."""
    if change == Question.Change.MAJOR:
        question_memory_reset(question_id=question_id, now=at)
