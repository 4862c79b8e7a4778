"""Writes of single sign-on: turning a validated ID token into a signed-in person.

The token itself is validated by Authlib (sso/client.py); this decides who
the person is. Every refusal is an SsoRefused with a code the sign-in page
explains, and nothing is written.
"""

from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.audit import audit_context
from enablement.models import Membership
from enablement.services.people import PersonData, Role, person_find, person_upsert
from sso.models import IdentityProvider, SsoIdentity
from sso.selectors import email_domain


class SsoRefused(ApplicationError):
    """A sign-in the identity provider vouched for that this service refuses."""

    @property
    def status(self) -> int:
        return 403


def _refuse(code: str, message: str) -> SsoRefused:
    return SsoRefused(code, message)


def _checked_email(*, provider: IdentityProvider, claims: Mapping) -> str:
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise _refuse(
            "sso_no_email",
            _("Your identity provider did not send an email address."),
        )
    # Absent is accepted (Entra ID sends none; the issuer is the organization's
    # own tenant); an address the provider says is unverified is not.
    if claims.get("email_verified") is False:
        raise _refuse(
            "sso_email_unverified",
            _("Your identity provider has not verified %(email)s.") % {"email": email},
        )
    if not provider.domains.filter(domain=email_domain(email)).exists():
        raise _refuse(
            "sso_domain_not_allowed",
            _("%(email)s is not an address this organization signs in with.")
            % {"email": email},
        )
    return email


def _known_person(
    *, provider: IdentityProvider, subject: str, email: str
) -> AbstractBaseUser | None:
    identity = (
        SsoIdentity.objects.select_related("user")
        .filter(provider=provider, subject=subject)
        .first()
    )
    if identity is not None:
        return identity.user
    try:
        return person_find(organization=provider.organization, email=email)
    except ApplicationError as error:
        raise _refuse("sso_other_organization", error.message) from error


def _refuse_if_not_theirs(
    *, provider: IdentityProvider, user: AbstractBaseUser
) -> None:
    """Only the organization's own, active people sign in through its provider.

    A superuser, or an account of no organization, would otherwise be handed to
    whoever administers this organization's identity provider.
    """
    membership = Membership.objects.filter(user=user).first()
    if user.is_superuser or membership is None:
        raise _refuse(
            "sso_not_a_member",
            _(
                "This account does not sign in with single sign-on. "
                "Log in with your password."
            ),
        )
    if membership.organization_id != provider.organization_id:
        raise _refuse(
            "sso_other_organization",
            _("This account belongs to another organization."),
        )
    if not user.is_active or membership.deactivated_at:
        raise _refuse(
            "sso_deactivated",
            _(
                "Your account here has been deactivated. Ask your enablement "
                "admin if you should still have access."
            ),
        )


def _person_create(
    *, provider: IdentityProvider, email: str, claims: Mapping
) -> AbstractBaseUser:
    if provider.unknown_users != IdentityProvider.UnknownUsers.CREATE:
        raise _refuse(
            "sso_unknown_user",
            _(
                "%(email)s has no account here yet. Ask your enablement admin "
                "to add you."
            )
            % {"email": email},
        )
    if provider.default_team is None:
        raise _refuse(
            "sso_unknown_user",
            _("New people cannot join yet: no default team is set."),
        )
    data = PersonData(
        email=email,
        role=Role.REP,
        team=provider.default_team,
        first_name=str(claims.get("given_name") or "")[:150] or None,
        last_name=str(claims.get("family_name") or "")[:150] or None,
    )
    return person_upsert(organization=provider.organization, data=data).user


@transaction.atomic
@audit_context(cause="single sign-on")
def sso_sign_in(*, provider: IdentityProvider, claims: Mapping) -> AbstractBaseUser:
    """The person a validated ID token's claims name, created if the provider allows.

    Matched by the token's subject at this provider, else by email (a first
    SSO sign-in of a person a roster, SCIM or admin added); the subject is
    then remembered, so a later change of address still finds them.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        raise _refuse("sso_no_subject", _("The ID token names no subject."))
    email = _checked_email(provider=provider, claims=claims)
    user = _known_person(provider=provider, subject=subject, email=email)
    if user is not None:
        _refuse_if_not_theirs(provider=provider, user=user)
    else:
        user = _person_create(provider=provider, email=email, claims=claims)
    SsoIdentity.objects.update_or_create(
        provider=provider, user=user, defaults={"subject": subject}
    )
    return user
