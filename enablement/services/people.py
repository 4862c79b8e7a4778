"""People of an organization: the one write path for adding, changing and
deactivating a person, whoever asks (admin, roster import, SSO, SCIM).

A person is a User with a Membership of one organization. Their role is the
link that grants it: a rep has a RepProfile in a team, a manager is one of a
team's managers, an enablement admin is one of Organization.admins and an
author one of Organization.authors.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import Membership, Organization, RepProfile, Team


class Role(models.TextChoices):
    ADMIN = "admin", _("Enablement admin")
    AUTHOR = "author", _("Author")
    MANAGER = "manager", _("Frontline manager")
    REP = "rep", _("Rep")


# Roles that work in Django admin (content, people) and so need is_staff.
STAFF_ROLES = frozenset({Role.ADMIN, Role.AUTHOR, Role.MANAGER})


@dataclass(frozen=True)
class PersonData:
    """What is known about a person; None leaves a field as it is (or default)."""

    email: str
    role: str = Role.REP
    team: Team | None = None  # required for reps and managers
    first_name: str | None = None
    last_name: str | None = None
    external_id: str | None = None
    time_zone: str | None = None
    delivery_hour: int | None = None
    working_days: str | None = None
    hired_on: dt.date | None = None
    # The login name; a new person's is their email. SCIM's userName.
    username: str | None = None


@dataclass
class PersonResult:
    user: AbstractBaseUser
    created: bool = False
    changed: list[str] = field(default_factory=list)


def person_find(
    *, organization: Organization, email: str, external_id: str | None = None
) -> AbstractBaseUser | None:
    """The organization's person with this external id, else with this email.

    Raises ApplicationError("conflict") if the email belongs to a person of
    another organization: one login is one organization's.
    """
    User = get_user_model()
    if external_id:
        membership = (
            Membership.objects.select_related("user")
            .filter(organization=organization, external_id=external_id)
            .first()
        )
        if membership is not None:
            return membership.user
    user = User.objects.filter(email__iexact=email.strip()).order_by("pk").first()
    if user is None:
        user = User.objects.filter(username__iexact=email.strip()).first()
    if user is None:
        return None
    membership = Membership.objects.filter(user=user).first()
    if membership is not None and membership.organization_id != organization.pk:
        raise ApplicationError(
            "conflict",
            _("%(email)s belongs to another organization.") % {"email": email},
        )
    return user


def membership_join(
    *, user: AbstractBaseUser, organization: Organization, external_id: str = ""
) -> Membership:
    """Make user a member of organization (idempotent)."""
    membership, created = Membership.objects.get_or_create(
        user=user, defaults={"organization": organization, "external_id": external_id}
    )
    if not created and membership.organization_id != organization.pk:
        raise ApplicationError(
            "conflict",
            _("%(user)s belongs to another organization.")
            % {"user": user.get_username()},
        )
    if external_id and membership.external_id != external_id:
        membership.external_id = external_id
        membership.save(update_fields=["external_id", "updated_at"])
    return membership


def _set(obj: models.Model, name: str, value, changed: list[str]) -> None:
    if value is not None and getattr(obj, name) != value:
        setattr(obj, name, value)
        changed.append(name)


def _role_links(
    *, user: AbstractBaseUser, organization: Organization, data: PersonData
) -> list[str]:
    changed: list[str] = []
    if data.role in (Role.REP, Role.MANAGER) and data.team is None:
        raise ApplicationError("invalid", _("A rep or manager needs a team."))
    if data.team is not None and data.team.organization_id != organization.pk:
        raise ApplicationError("invalid", _("The team is in another organization."))
    if data.role == Role.REP:
        profile = RepProfile.objects.filter(user=user).first()
        if profile is None:
            profile = RepProfile(user=user, team=data.team)
            changed.append("team")
        _set(profile, "team", data.team, changed)
        for name in ("time_zone", "delivery_hour", "working_days", "hired_on"):
            _set(profile, name, getattr(data, name), changed)
        if changed:
            profile.full_clean()
            profile.save()
    elif data.role == Role.MANAGER and not data.team.managers.filter(pk=user.pk):
        data.team.managers.add(user)
        changed.append("managed_teams")
    elif data.role == Role.ADMIN and not organization.admins.filter(pk=user.pk):
        organization.admins.add(user)
        changed.append("admin")
    elif data.role == Role.AUTHOR and not organization.authors.filter(pk=user.pk):
        organization.authors.add(user)
        changed.append("author")
    return changed


@transaction.atomic
def person_upsert(
    *,
    organization: Organization,
    data: PersonData,
    user: AbstractBaseUser | None = None,
) -> PersonResult:
    """Create or update one person of organization from data.

    Matched by external id, else by email, unless the caller names the person
    (SCIM knows them by id, and may change their email). A new person gets an
    unusable password: they set one from their invitation (or sign in with SSO).
    """
    email = data.email.strip().lower()
    if not email or "@" not in email:
        raise ApplicationError("invalid", _("A person needs an email address."))
    User = get_user_model()
    if user is None:
        user = person_find(
            organization=organization, email=email, external_id=data.external_id
        )
    result = PersonResult(user=user)
    if user is None:
        user = User(username=data.username or email, email=email)
        user.set_unusable_password()
        result = PersonResult(user=user, created=True)
    for name in ("first_name", "last_name", "username"):
        _set(user, name, getattr(data, name), result.changed)
    _set(user, "email", email, result.changed)
    if data.role in STAFF_ROLES:
        _set(user, "is_staff", True, result.changed)
    if result.created or result.changed:
        user.save()
    membership_join(
        user=user, organization=organization, external_id=data.external_id or ""
    )
    result.changed += _role_links(user=user, organization=organization, data=data)
    return result


@transaction.atomic
def person_deactivate(
    *, membership: Membership, at: dt.datetime | None = None
) -> Membership:
    """The person left: they cannot sign in and are no longer planned; history stays."""
    if membership.deactivated_at is None:
        membership.deactivated_at = at or timezone.now()
        membership.save(update_fields=["deactivated_at", "updated_at"])
    user = membership.user
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def person_reactivate(*, membership: Membership) -> Membership:
    """The person is back: they sign in again and are planned from their memory."""
    if membership.deactivated_at is not None:
        membership.deactivated_at = None
        membership.save(update_fields=["deactivated_at", "updated_at"])
    user = membership.user
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def person_leave_team(*, user: AbstractBaseUser, team: Team) -> bool:
    """The rep is no longer in team (an identity provider group lost them).

    They stay a member of the organization, with no team until one takes them
    back; their answers and memory stay. False if they were not its rep.
    """
    deleted, _rows = RepProfile.objects.filter(user=user, team=team).delete()
    return bool(deleted)
