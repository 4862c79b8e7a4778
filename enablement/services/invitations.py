"""Invitations and password resets: an email with a single-use, expiring
set-password link, sent through an outbox so a crash or a broker outage
loses none (docs/people.md, "Invitations and password reset").

The link's token is Django's PasswordResetTokenGenerator: it hashes the
password and last login, so it works once (setting a password changes the
hash) and expires after PASSWORD_RESET_TIMEOUT, or INVITATION_TIMEOUT for an
invitation (its own generator, with its own salt, so a reset link is never
an invitation link and the other way round).
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import (
    PasswordResetTokenGenerator,
    default_token_generator,
)
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import AccountEmail

logger = logging.getLogger(__name__)

# Emails one sweep claims; invitations come in roster-sized waves.
SWEEP_BATCH = 1000
# A send's lease: well above EMAIL_TIMEOUT (30 s), so a live send is not doubled.
LEASE_SECONDS = 300
# A failed send waits BACKOFF * 2**(n-1) s, at most an hour; after
# MAX_ATTEMPTS it stays failed (about two hours of SMTP outage ridden out).
BACKOFF_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
MAX_ATTEMPTS = 8
# At most one reset email per person in this many seconds, however often asked.
RESET_MIN_INTERVAL_SECONDS = 300


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token with its own salt and the longer INVITATION_TIMEOUT."""

    key_salt = "enablement.services.invitations.InvitationTokenGenerator"

    def check_token(self, user, token) -> bool:
        if not (user and token):
            return False
        try:
            ts = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - ts > settings.INVITATION_TIMEOUT:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, s), token)
            for s in [self.secret, *self.secret_fallbacks]
        )


invitation_token_generator = InvitationTokenGenerator()

GENERATORS = {
    AccountEmail.Kind.INVITATION: invitation_token_generator,
    AccountEmail.Kind.PASSWORD_RESET: default_token_generator,
}
URL_NAMES = {
    AccountEmail.Kind.INVITATION: "accounts:invitation_accept",
    AccountEmail.Kind.PASSWORD_RESET: "accounts:password_reset_confirm",
}


def user_is_current(user: AbstractBaseUser) -> bool:
    """Active and not deactivated in their organization: who may get a link."""
    if not user.is_active:
        return False
    membership = getattr(user, "membership", None)
    return membership is None or membership.deactivated_at is None


def _account_email_create(
    *, user: AbstractBaseUser, kind: str, now: dt.datetime
) -> AccountEmail:
    """Write a pending row (superseding a pending one of the same kind) and enqueue it."""
    AccountEmail.objects.filter(
        user=user, kind=kind, status=AccountEmail.Status.PENDING
    ).update(status=AccountEmail.Status.CANCELED, next_attempt_at=None, updated_at=now)
    grace = dt.timedelta(seconds=settings.ACCOUNT_EMAIL_GRACE_SECONDS)
    row = AccountEmail.objects.create(user=user, kind=kind, next_attempt_at=now + grace)
    transaction.on_commit(lambda: account_email_enqueue(row.pk))
    return row


def account_email_enqueue(email_id: int) -> None:
    """Enqueue the send of one email; a broker failure leaves it to the sweeper."""
    from enablement.tasks import account_email_deliver_task

    try:
        # No publish retries: with the broker down the request must not wait
        # (nor take longer for a known address); the sweeper sends it.
        account_email_deliver_task.apply_async(
            kwargs={"email_id": email_id}, retry=False
        )
    except Exception as exc:  # kombu's OperationalError, a refused connection
        logger.warning("account email %s left to the sweeper: %s", email_id, exc)


@transaction.atomic
def invitation_send(
    *, user: AbstractBaseUser, now: dt.datetime | None = None
) -> AccountEmail:
    """Invite a person: an email with a link to set their password, sent soon.

    Sending again (resend) supersedes a pending invitation; a link already
    sent stays valid until it is used or expires. Refused for a person who
    left or has no email address.
    """
    now = now or timezone.now()
    if not user_is_current(user):
        raise ApplicationError("invalid", _("%(user)s has left.") % {"user": user})
    if not user.email:
        raise ApplicationError(
            "invalid", _("%(user)s has no email address.") % {"user": user}
        )
    row = _account_email_create(user=user, kind=AccountEmail.Kind.INVITATION, now=now)
    logger.info("invitation queued for user %s (email %s)", user.pk, row.pk)
    return row


def password_reset_users(*, email: str) -> list[AbstractBaseUser]:
    """Who a reset for this address goes to: current people with a password or an invitation.

    Someone invited who never set a password may ask again here; someone
    who only signs in with SSO (no password, never invited) gets nothing.
    """
    User = get_user_model()
    users = (
        User.objects.filter(email__iexact=email.strip(), is_active=True)
        .exclude(membership__deactivated_at__isnull=False)
        .filter(
            Q(account_emails__kind=AccountEmail.Kind.INVITATION)
            | ~Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        )
        .distinct()
    )
    return list(users)


@transaction.atomic
def password_reset_request(*, email: str, now: dt.datetime | None = None) -> None:
    """Queue a reset email to each current person with this address.

    Returns nothing, whoever the address is: the caller must answer a known
    and an unknown address the same way (no user enumeration).
    """
    now = now or timezone.now()
    recently = now - dt.timedelta(seconds=RESET_MIN_INTERVAL_SECONDS)
    for user in password_reset_users(email=email):
        if AccountEmail.objects.filter(
            user=user, kind=AccountEmail.Kind.PASSWORD_RESET, created_at__gte=recently
        ).exists():
            continue  # one a few minutes is enough: no flooding of a mailbox
        row = _account_email_create(
            user=user, kind=AccountEmail.Kind.PASSWORD_RESET, now=now
        )
        logger.info("password reset queued for user %s (email %s)", user.pk, row.pk)


def account_email_link(*, user: AbstractBaseUser, kind: str) -> str:
    """The absolute set-password link of a fresh token for this user."""
    path = reverse(
        URL_NAMES[kind],
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": GENERATORS[kind].make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


def _message(row: AccountEmail) -> tuple[str, str]:
    user = row.user
    context = {
        "user": user,
        "name": user.get_short_name() or user.get_username(),
        "url": account_email_link(user=user, kind=row.kind),
        "site_url": settings.SITE_URL,
    }
    if row.kind == AccountEmail.Kind.INVITATION:
        days = max(1, settings.INVITATION_TIMEOUT // 86400)
        context["valid_days"] = days
        subject = _("You are invited to daily sales practice")
        template = "enablement/email/invitation.txt"
    else:
        context["valid_hours"] = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
        subject = _("Set a new password")
        template = "enablement/email/password_reset.txt"
    return subject, render_to_string(template, context)


def account_emails_sweep(*, now: dt.datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Claim pending emails that are due (lost enqueue, dead task, failed send).

    Each claimed row gets a lease, so the next sweep leaves it to the task
    enqueued now. Returns the ids to enqueue.
    """
    due = AccountEmail.objects.filter(
        status=AccountEmail.Status.PENDING, next_attempt_at__lte=now
    )
    if not due.exists():
        return []
    with transaction.atomic():
        ids = list(
            due.order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        AccountEmail.objects.filter(pk__in=ids).update(
            next_attempt_at=now + dt.timedelta(seconds=LEASE_SECONDS), updated_at=now
        )
    return ids


def account_email_deliver(*, email_id: int, now: dt.datetime) -> str:
    """Send one pending email under its row lock; returns its status afterwards.

    Marked sent in the send's transaction, as daily deliveries are: a crash
    between the SMTP server's acceptance and the commit sends it once more
    (docs/reliability.md), never zero times. A person who left by now is
    not sent anything.
    """
    with transaction.atomic():
        row = (
            AccountEmail.objects.select_for_update()
            .select_related("user")
            .filter(pk=email_id)
            .first()
        )
        if row is None or row.status != AccountEmail.Status.PENDING:
            return row.status if row else ""
        if not user_is_current(row.user) or not row.user.email:
            row.status = AccountEmail.Status.CANCELED
            row.next_attempt_at = None
            row.save()
            return row.status
        row.attempts += 1
        subject, body = _message(row)
        try:
            send_mail(subject, body, None, [row.user.email])
        except OSError as exc:  # SMTP and socket errors
            _record_failure(row, str(exc), now)
        else:
            row.status = AccountEmail.Status.SENT
            row.sent_at = now
            row.next_attempt_at = None
            row.last_error = ""
        row.save()
    return row.status


def _record_failure(row: AccountEmail, error: str, now: dt.datetime) -> None:
    row.last_error = error[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = AccountEmail.Status.FAILED
        row.next_attempt_at = None
        logger.error("account email %s failed for good: %s", row.pk, error)
        return
    backoff = min(BACKOFF_SECONDS * 2 ** (row.attempts - 1), BACKOFF_MAX_SECONDS)
    row.next_attempt_at = now + dt.timedelta(seconds=backoff)
    logger.warning(
        "account email %s attempt %s failed: %s", row.pk, row.attempts, error
    )
