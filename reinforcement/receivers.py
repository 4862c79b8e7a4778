"""Receivers of enablement's people signals: the interface that calls one service each."""

import datetime as dt

from django.dispatch import receiver

from enablement.signals import person_deactivated
from reinforcement.services.prompts import rep_departure_apply


@receiver(person_deactivated, dispatch_uid="reinforcement.rep_departure")
def rep_departure_receive(sender, *, membership, at: dt.datetime, **kwargs) -> None:
    """A person left: withdraw their open prompts and cancel their deliveries."""
    rep_departure_apply(rep_id=membership.user_id, now=at)
