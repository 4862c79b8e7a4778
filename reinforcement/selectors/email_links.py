"""The signed links of the daily email: one-tap answers and the unsubscribe.

Both are Django signing tokens (HMAC of SECRET_KEY with a salt of their own),
so a link cannot be forged or altered. An answer link is timestamped and
expires after REINFORCEMENT_EMAIL_LINK_MAX_AGE_DAYS; it names the prompt, the
rep, the choice to preselect and a nonce, and nothing about which choice is
right. Single use is recorded in the database (`EmailLinkUse`, written by
the POST that answered).
"""

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import REP_OPTIONAL_CHANNELS
from reinforcement.models import EmailLinkUse, Prompt

ANSWER_SALT = "reinforcement.email.answer"
UNSUBSCRIBE_SALT = "reinforcement.email.unsubscribe"


class EmailLinkRefused(ApplicationError):
    """The link is not one of ours, has expired or was used.

    ``link`` is the link an expired or used token stood for (its prompt may
    still be open on the site); None for a token that is not ours.
    """

    def __init__(self, code: str, message: str, link: "AnswerLink | None" = None):
        super().__init__(code, message)
        self.link = link


@dataclass(frozen=True)
class AnswerLink:
    prompt_id: uuid.UUID
    rep_id: int
    choice_id: int
    nonce: str

    @property
    def idempotency_key(self) -> str:
        """The answer's key: every POST of this email's links replays the first."""
        return f"email-{self.nonce}"


def email_link_nonce() -> str:
    """A fresh nonce: one per prompt per email, shared by that prompt's choices."""
    return secrets.token_hex(16)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def email_answer_url(*, prompt: Prompt, choice_id: int, nonce: str) -> str:
    """The signed one-tap link of a choice; it says nothing of the choice's worth."""
    token = signing.TimestampSigner(salt=ANSWER_SALT).sign_object(
        {"p": prompt.pk.hex, "r": prompt.rep_id, "c": choice_id, "n": nonce},
        compress=True,
    )
    return _absolute(reverse("email:answer", args=[token]))


def email_unsubscribe_url(*, rep_id: int) -> str:
    """The rep's signed one-click unsubscribe link (RFC 8058); it does not expire."""
    token = signing.dumps({"r": rep_id}, salt=UNSUBSCRIBE_SALT, compress=True)
    return _absolute(reverse("email:unsubscribe", args=[token]))


def _link_of(data: dict) -> "AnswerLink":
    return AnswerLink(
        prompt_id=uuid.UUID(hex=data["p"]),
        rep_id=int(data["r"]),
        choice_id=int(data["c"]),
        nonce=str(data["n"]),
    )


def email_answer_link_read(*, token: str) -> AnswerLink:
    """The link a token stands for; refuses a tampered or expired one.

    Whether it was used is `email_link_use_get`: a second POST of a used
    link replays its answer, a GET says it was used.
    """
    signer = signing.TimestampSigner(salt=ANSWER_SALT)
    max_age = dt.timedelta(days=settings.REINFORCEMENT_EMAIL_LINK_MAX_AGE_DAYS)
    invalid = EmailLinkRefused(
        "link_invalid", _("This link is not valid. Open the email again.")
    )
    try:
        return _link_of(signer.unsign_object(token, max_age=max_age))
    except signing.SignatureExpired:
        # Genuine but old: its question may still be open on the site.
        expired = signer.unsign_object(token)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    try:
        link = _link_of(expired)
    except (KeyError, TypeError, ValueError):
        raise invalid from None
    raise EmailLinkRefused(
        "link_expired",
        _("This link has expired. Your questions are waiting on the site."),
        link=link,
    )


def email_link_used_refusal(*, link: AnswerLink) -> EmailLinkRefused:
    return EmailLinkRefused(
        "link_used",
        _("This link was already used to answer. Each link works once."),
        link=link,
    )


def email_unsubscribe_rep_read(*, token: str) -> int:
    """The rep an unsubscribe token was made for; refuses a tampered one."""
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["r"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise EmailLinkRefused(
            "link_invalid", _("This link is not valid. Open the email again.")
        ) from None


def email_link_use_get(*, nonce: str) -> EmailLinkUse | None:
    return (
        EmailLinkUse.objects.select_related("answer__question")
        .filter(nonce=nonce)
        .first()
    )


def rep_channel_on(channels_off: str, channel: str) -> bool:
    """Whether a rep's ``RepProfile.channels_off`` leaves a channel on."""
    return channel not in channels_off.split(",")


def channels_off_with(channels_off: str, channel: str) -> str:
    """``channels_off`` with one more channel turned off, in the canonical order."""
    off = {*channels_off.split(","), channel}
    return ",".join(c for c in REP_OPTIONAL_CHANNELS if c in off)
