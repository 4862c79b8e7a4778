"""Invitations and password reset: a single-use, expiring set-password link by email,
sent through an outbox, with no user enumeration on the reset request."""

import datetime as dt
import re
import socket
import time

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError
from enablement.account_views import RESET_RESPONSE_FLOOR_SECONDS
from enablement.models import AccountEmail
from enablement.services.invitations import (
    InvitationTokenGenerator,
    account_email_deliver,
    account_emails_sweep,
    invitation_send,
    invitation_token_generator,
)
from enablement.services.people import PersonData, person_deactivate, person_upsert
from tests.factories.enablement import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://\S+/(invitation|password-reset)/[^/\s]+/[^/\s]+/")
PASSWORD = "long-enough-passphrase-42"


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def team():
    return TeamFactory()


def invite(team, email="new.rep@example.com"):
    """Add a rep the admin way (invite=True) and send the queued email as the task does."""
    result = person_upsert(
        organization=team.organization,
        data=PersonData(email=email, first_name="Nia", team=team),
        invite=True,
    )
    row = AccountEmail.objects.get(user=result.user, status="pending")
    assert account_email_deliver(email_id=row.pk, now=timezone.now()) == "sent"
    return result.user


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(0)


def set_password(client, link, password=PASSWORD):
    """Open the emailed link, then post the new password on the page it leads to."""
    opened = client.get(link)
    if opened.status_code != 302:
        return opened
    return client.post(
        opened.url, {"new_password1": password, "new_password2": password}
    )


def test_a_person_added_with_invite_gets_one_invitation_email(team):
    user = invite(team)
    [message] = mail.outbox
    assert message.to == [user.email]
    assert "invited" in message.subject
    assert "/invitation/" in link_in(message)
    # Changing the same person again sends nothing more.
    person_upsert(
        organization=team.organization,
        data=PersonData(email=user.email, last_name="Ok", team=team),
        invite=True,
    )
    assert AccountEmail.objects.filter(user=user).count() == 1


def test_the_link_sets_the_password_logs_in_and_lands_on_today(client, team):
    user = invite(team)
    response = set_password(client, link_in(mail.outbox[0]))
    assert response.status_code == 302 and response.url == reverse("rep:today")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client.get(reverse("rep:today")).wsgi_request.user == user


def test_the_link_works_once(client, team):
    """The token hashes the password: after it is set, the same link is refused."""
    user = invite(team)
    link = link_in(mail.outbox[0])
    set_password(client, link)
    client.logout()
    again = set_password(client, link, password="another-passphrase-99")
    assert again.status_code == 200
    assert "This link no longer works" in again.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_expired_invitation_is_refused(client, team):
    """A token made INVITATION_TIMEOUT + 1 s ago, by a generator with a past clock."""
    user = invite(team)
    past = InvitationTokenGenerator()
    timeout = dt.timedelta(seconds=settings.INVITATION_TIMEOUT + 1)
    past._now = lambda: dt.datetime.now() - timeout
    token = past.make_token(user)
    assert not invitation_token_generator.check_token(user, token)
    fresh = dt.datetime.now() - timeout + dt.timedelta(seconds=5)
    past._now = lambda: fresh
    assert invitation_token_generator.check_token(user, past.make_token(user))
    uid = link_in(mail.outbox[0]).rstrip("/").split("/")[-2]
    response = set_password(client, f"/invitation/{uid}/{token}/")
    assert "This link no longer works" in response.content.decode()


@override_settings(PASSWORD_RESET_TIMEOUT=60)
def test_a_reset_link_expires_after_password_reset_timeout(team):
    user = UserFactory()
    past = type(default_token_generator)()
    past._now = lambda: dt.datetime.now() - dt.timedelta(seconds=61)
    assert not default_token_generator.check_token(user, past.make_token(user))
    assert default_token_generator.check_token(
        user, default_token_generator.make_token(user)
    )


def test_an_invitation_link_is_not_a_reset_link_nor_the_other_way(team):
    user = invite(team)
    assert not default_token_generator.check_token(
        user, invitation_token_generator.make_token(user)
    )
    assert not invitation_token_generator.check_token(
        user, default_token_generator.make_token(user)
    )


def reset(client, email):
    started = time.monotonic()
    response = client.post(reverse("accounts:password_reset"), {"email": email})
    return response, time.monotonic() - started


def test_a_reset_request_answers_known_and_unknown_addresses_alike(client):
    """Same status, same page, no sooner than the floor; only the known one gets a row."""
    user = UserFactory(email="known@example.com")
    known, known_s = reset(client, "KNOWN@example.com")
    unknown, unknown_s = reset(client, "nobody@example.com")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert known.url == reverse("accounts:password_reset_done")
    assert min(known_s, unknown_s) >= RESET_RESPONSE_FLOOR_SECONDS
    done = client.get(known.url).content.decode()
    assert "known@example.com" not in done and "If the address belongs" in done
    [row] = AccountEmail.objects.all()
    assert (row.user, row.kind) == (user, "reset")
    reset(client, "known@example.com")  # asked again at once: no second email
    assert AccountEmail.objects.count() == 1
    account_email_deliver(email_id=row.pk, now=timezone.now())
    [message] = mail.outbox
    assert "/password-reset/" in link_in(message)


def test_the_reset_link_sets_a_new_password(client):
    user = UserFactory(email="known@example.com")
    reset(client, user.email)
    account_email_deliver(email_id=AccountEmail.objects.get().pk, now=timezone.now())
    response = set_password(client, link_in(mail.outbox[0]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_person_who_left_gets_no_reset_mail_and_no_invitation(client, team):
    user = invite(team)
    link = link_in(mail.outbox[0])
    person_deactivate(membership=user.membership)
    reset(client, user.email)
    assert not AccountEmail.objects.filter(kind="reset").exists()
    with pytest.raises(ApplicationError):
        invitation_send(user=user)
    # The link sent before they left no longer works either.
    assert "This link no longer works" in set_password(client, link).content.decode()


def test_an_invited_person_who_never_set_a_password_may_ask_again(client, team):
    """An SSO-only person (no password, never invited) gets nothing; an invited one does."""
    user = invite(team)
    sso_only = get_user_model().objects.create_user(
        "sso@example.com", "sso@example.com"
    )
    sso_only.set_unusable_password()
    sso_only.save()
    reset(client, user.email)
    reset(client, sso_only.email)
    assert list(
        AccountEmail.objects.filter(kind="reset").values_list("user", flat=True)
    ) == [user.pk]


def test_a_lost_enqueue_is_sent_by_the_sweeper(team):
    """The row is written with the person; no task ran (a crash or a broker outage)."""
    result = person_upsert(
        organization=team.organization,
        data=PersonData(email="lost@example.com", team=team),
        invite=True,
    )
    now = timezone.now()
    assert account_emails_sweep(now=now) == []  # inside the grace period
    later = now + dt.timedelta(minutes=2)
    [email_id] = account_emails_sweep(now=later)
    assert account_emails_sweep(now=later) == []  # leased to the task enqueued now
    assert account_email_deliver(email_id=email_id, now=later) == "sent"
    assert account_email_deliver(email_id=email_id, now=later) == "sent"
    assert [m.to for m in mail.outbox] == [[result.user.email]]


def test_a_failed_smtp_send_is_retried_later(team, unused_port):
    """A real SMTP backend at a closed port: the row waits a backoff, then goes out."""
    user = UserFactory(email="retry@example.com")
    row = invitation_send(user=user)
    now = timezone.now()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=unused_port,
        EMAIL_TIMEOUT=2,
    ):
        assert account_email_deliver(email_id=row.pk, now=now) == "pending"
    row.refresh_from_db()
    assert row.attempts == 1 and row.last_error
    assert row.next_attempt_at == now + dt.timedelta(seconds=60)
    assert account_emails_sweep(now=now + dt.timedelta(seconds=59)) == []
    assert account_emails_sweep(now=now + dt.timedelta(seconds=61)) == [row.pk]
    assert account_email_deliver(email_id=row.pk, now=now) == "sent"
    assert len(mail.outbox) == 1


def test_resend_from_admin_queues_a_new_invitation(client, team):
    user = invite(team)
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:enablement_repprofile_changelist"),
        {"action": "invitation_resend", "_selected_action": [user.rep_profile.pk]},
    )
    assert response.status_code == 302
    pending = AccountEmail.objects.get(user=user, status="pending")
    account_email_deliver(email_id=pending.pk, now=timezone.now())
    assert [m.to for m in mail.outbox] == [[user.email], [user.email]]


def test_both_logins_offer_forgot_password(client):
    assert (
        reverse("accounts:password_reset")
        in client.get(reverse("rep:login")).content.decode()
    )
    admin_login = client.get(reverse("admin:login")).content.decode()
    assert reverse("admin_password_reset") in admin_login
    assert client.get(reverse("admin_password_reset")).url == reverse(
        "accounts:password_reset"
    )


def test_the_enablement_admin_sees_a_failed_invitation_and_resends_it(client, team):
    """Admin lists invitation emails with their last error; resend queues a new one."""
    from enablement.services.groups import admin_group_sync

    rep = person_upsert(
        organization=team.organization,
        data=PersonData(email="bounced@x.io", team=team),
        invite=True,
    ).user
    AccountEmail.objects.filter(user=rep).update(
        status=AccountEmail.Status.FAILED, last_error="550 mailbox unavailable"
    )
    admin = UserFactory(is_staff=True)
    admin.groups.add(admin_group_sync())
    team.organization.admins.add(admin)
    client.force_login(admin)
    url = reverse("admin:enablement_accountemail_changelist")
    listed = client.get(url)
    assert listed.status_code == 200
    assert "550 mailbox unavailable" in listed.content.decode()
    row = AccountEmail.objects.get(user=rep)
    client.post(url, {"action": "invitation_resend", "_selected_action": [row.pk]})
    pending = AccountEmail.objects.filter(user=rep, status=AccountEmail.Status.PENDING)
    assert pending.count() == 1
