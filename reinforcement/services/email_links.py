"""What the email's links write: a one-tap answer once, and the unsubscribe.

A GET of either link writes nothing (mail scanners and link previews follow
links); only their POSTs reach these services.
"""

import datetime as dt
import logging

from django.db import transaction

from enablement.audit import audit_context
from enablement.models import RepProfile
from reinforcement.models import Answer, Delivery, EmailLinkUse, Reminder
from reinforcement.selectors.email_links import (
    AnswerLink,
    channels_off_with,
    email_link_use_get,
    rep_channel_on,
)
from reinforcement.selectors.feedback import answer_feedback_get
from reinforcement.services.answers import AnswerOutcome, answer_submit

logger = logging.getLogger(__name__)


def email_link_answer(
    *,
    link: AnswerLink,
    choice_ids: list[int],
    confidence: str,
    now: dt.datetime,
    response_ms: int | None = None,
) -> AnswerOutcome:
    """Record the answer of a one-tap link once; the link's second POST replays it.

    The answer's idempotency key is the link's, so two POSTs racing each other
    record one answer too (answer_submit replays the second). Refusals are
    answer_submit's (already answered on another channel, withdrawn, ...).
    """
    use = email_link_use_get(nonce=link.nonce)
    if use is not None:
        return AnswerOutcome(
            answer=use.answer,
            replayed=True,
            feedback=answer_feedback_get(
                answer=use.answer, next_due=None, replayed=True
            ),
        )
    outcome = answer_submit(
        rep_id=link.rep_id,
        prompt_id=link.prompt_id,
        choice_ids=choice_ids,
        confidence=confidence,
        idempotency_key=link.idempotency_key,
        now=now,
        response_ms=response_ms,
        channel=Answer.Channel.EMAIL,
    )
    EmailLinkUse.objects.get_or_create(
        nonce=link.nonce,
        defaults={
            "prompt_id": link.prompt_id,
            "answer": outcome.answer,
            "used_at": now,
        },
    )
    return outcome


@audit_context(cause="email unsubscribe", via="one-click link")
def rep_email_unsubscribe(*, rep_id: int, now: dt.datetime) -> bool:
    """Turn a rep's email off (RFC 8058 one-click); returns whether it was on.

    Email still waiting to go out to them (today's dose, a reminder) is
    canceled in the same transaction. Saved through the model, so the audit
    log shows the change. A rep who left, or an unknown id, changes nothing.
    """
    with transaction.atomic():
        profile = RepProfile.objects.select_for_update().filter(user_id=rep_id).first()
        if profile is None or not rep_channel_on(profile.channels_off, "email"):
            return False
        profile.channels_off = channels_off_with(profile.channels_off, "email")
        profile.save(update_fields=["channels_off", "updated_at"])
        canceled = {
            "status": Delivery.Status.CANCELED,
            "next_attempt_at": None,
            "last_error": "the rep unsubscribed",
            "updated_at": now,
        }
        Delivery.objects.filter(
            plan__rep_id=rep_id,
            channel=Delivery.Channel.EMAIL,
            status=Delivery.Status.PENDING,
        ).update(**canceled)
        Reminder.objects.filter(
            rep_id=rep_id,
            channel=Delivery.Channel.EMAIL,
            status=Reminder.Status.PENDING,
        ).update(**canceled)
    logger.info("rep %s unsubscribed from email", rep_id)
    return True
