"""People of an organization: the one write path for adding, changing and
deactivating a person, whoever asks (admin, roster import, SSO, SCIM).

A person is a User with a Membership of one organization. Their role is the
link that grants it: a rep has a RepProfile in a team, a manager is one of a
team's managers, an enablement admin is one of Organization.admins and an
author one of Organization.authors.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.audit import audit_context, audit_organization
from enablement.models import Membership, Organization, RepProfile, Team
from enablement.services.groups import role_group
from enablement.services.invitations import invitation_send

# Re-exported: callers find and batch people through the people service.
from enablement.services.people_index import (  # noqa: F401
    PeopleIndex,
    people_index,
    person_find,
)
from enablement.signals import person_deactivated, person_reactivated

logger = logging.getLogger(__name__)


class Role(models.TextChoices):
    ADMIN = "admin", _("Enablement admin")
    AUTHOR = "author", _("Author")
    MANAGER = "manager", _("Frontline manager")
    REP = "rep", _("Rep")


# Roles that work in Django admin (content, people) and so need is_staff.
# Frontline managers work in /manager/ only: not staff.
STAFF_ROLES = frozenset({Role.ADMIN, Role.AUTHOR})


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
    membership: Membership | None = None


def membership_join(
    *, user: AbstractBaseUser, organization: Organization, external_id: str = ""
) -> Membership:
    """Make user a member of organization (idempotent)."""
    return _membership_join(user, organization, external_id, None, [])


def _membership_join(
    user, organization, external_id: str, index: PeopleIndex | None, changed: list
) -> Membership:
    if index is not None:
        membership = index.memberships.get(user.pk)
        created = membership is None
        if created:
            membership = Membership.objects.create(
                user=user, organization=organization, external_id=external_id
            )
            index.add_membership(membership)
    else:
        membership, created = Membership.objects.get_or_create(
            user=user,
            defaults={"organization": organization, "external_id": external_id},
        )
    if created:
        changed.append("membership")
    elif membership.organization_id != organization.pk:
        raise ApplicationError(
            "conflict",
            _("%(user)s belongs to another organization.")
            % {"user": user.get_username()},
        )
    if external_id and membership.external_id != external_id:
        membership.external_id = external_id
        membership.save(update_fields=["external_id", "updated_at"])
        changed.append("external_id")
        if index is not None:
            index.add_membership(membership)
    return membership


def _set(obj: models.Model, name: str, value, changed: list[str]) -> None:
    if value is not None and getattr(obj, name) != value:
        setattr(obj, name, value)
        changed.append(name)


def _profile_write(user, data: PersonData, index: PeopleIndex | None) -> list[str]:
    """A rep's profile: created or brought up to data; the changed fields."""
    changed: list[str] = []
    if index is not None:
        profile = index.profiles.get(user.pk)
    else:
        profile = RepProfile.objects.filter(user=user).first()
    if profile is None:
        profile = RepProfile(user=user, team=data.team)
        changed.append("team")
    _set(profile, "team", data.team, changed)
    for name in ("time_zone", "delivery_hour", "working_days", "hired_on"):
        _set(profile, name, getattr(data, name), changed)
    if changed:
        if index is None:
            profile.full_clean()
        else:
            # The index knows the user has one profile at most and the team
            # was checked above; the field validators still run, the
            # database checks the constraints (a query each, per person).
            profile.full_clean(
                exclude=["user", "team"],
                validate_unique=False,
                validate_constraints=False,
            )
            index.profiles[user.pk] = profile
        profile.save()
    return changed


def _role_links(
    *,
    user: AbstractBaseUser,
    organization: Organization,
    data: PersonData,
    index: PeopleIndex | None = None,
) -> list[str]:
    changed: list[str] = []
    if data.role in (Role.REP, Role.MANAGER) and data.team is None:
        raise ApplicationError("invalid", _("A rep or manager needs a team."))
    if data.team is not None and data.team.organization_id != organization.pk:
        raise ApplicationError("invalid", _("The team is in another organization."))
    if data.role == Role.REP:
        changed += _profile_write(user, data, index)
    elif data.role == Role.MANAGER and not _manages(user, data.team, index):
        data.team.managers.add(user)
        changed.append("managed_teams")
        if index is not None:
            index.managed.add((data.team.pk, user.pk))
    elif data.role == Role.ADMIN and not organization.admins.filter(pk=user.pk):
        organization.admins.add(user)
        changed.append("admin")
    elif data.role == Role.AUTHOR and not organization.authors.filter(pk=user.pk):
        organization.authors.add(user)
        changed.append("author")
    return changed + _role_group_join(user=user, role=data.role)


def _role_group_join(*, user: AbstractBaseUser, role: str) -> list[str]:
    """Admins and authors join their role's group: it grants the role's admin
    permissions, which tenancy limits to their organization."""
    if role not in STAFF_ROLES:
        return []
    group = role_group(role=role)
    if user.groups.filter(pk=group.pk).exists():
        return []
    user.groups.add(group)
    return ["groups"]


def _manages(user, team: Team, index: PeopleIndex | None) -> bool:
    if index is not None:
        return (team.pk, user.pk) in index.managed
    return team.managers.filter(pk=user.pk).exists()


@transaction.atomic
@audit_organization
def person_upsert(
    *,
    organization: Organization,
    data: PersonData,
    index: PeopleIndex | None = None,
    invite: bool = False,
    user: AbstractBaseUser | None = None,
) -> PersonResult:
    """Create or update one person of organization from data.

    Matched by external id, else by email, unless the caller names the person
    (SCIM knows them by id, and may change their email). A new person gets an
    unusable password: they set one from their invitation (or sign in with SSO).
    ``index`` (people_index) spares a batch the per-person lookups.
    ``invite``: a person created here is sent an invitation email (queued
    in this transaction, sent once it commits; ``invitation_send``).
    """
    email = data.email.strip().lower()
    if not email or "@" not in email:
        raise ApplicationError("invalid", _("A person needs an email address."))
    User = get_user_model()
    if user is None:
        user = person_find(
            organization=organization,
            email=email,
            external_id=data.external_id,
            index=index,
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
        if index is not None:
            index.add_user(user)
    result.membership = _membership_join(
        user, organization, data.external_id or "", index, result.changed
    )
    if result.created:
        result.changed.remove("membership")
    result.changed += _role_links(
        user=user, organization=organization, data=data, index=index
    )
    if invite and result.created:
        invitation_send(user=user)
    return result


@transaction.atomic
@audit_context(cause="deactivation")
def person_deactivate(
    *, membership: Membership, at: dt.datetime | None = None
) -> Membership:
    """The person left: they cannot sign in and are no longer planned; history stays.

    From this moment they are not planned or delivered, and their open
    prompts are withdrawn (reinforcement hears ``person_deactivated`` inside
    this transaction). Their answers and memory states stay and count in
    past figures. Safe to call again.
    """
    at = at or timezone.now()
    if membership.deactivated_at is None:
        membership.deactivated_at = at
        membership.save(update_fields=["deactivated_at", "updated_at"])
    user = membership.user
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    person_deactivated.send(sender=Membership, membership=membership, at=at)
    logger.info(
        "person deactivated: user %s of organization %s",
        user.pk,
        membership.organization_id,
    )
    return membership


@transaction.atomic
@audit_context(cause="reactivation")
def person_reactivate(*, membership: Membership) -> Membership:
    """The person is back: they sign in again and are planned from their memory.

    Their memory states were kept, so planning resumes where they left off
    at its next run (their withdrawn prompts stay withdrawn).
    """
    if membership.deactivated_at is not None:
        membership.deactivated_at = None
        membership.save(update_fields=["deactivated_at", "updated_at"])
    user = membership.user
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    person_reactivated.send(sender=Membership, membership=membership)
    logger.info(
        "person reactivated: user %s of organization %s",
        user.pk,
        membership.organization_id,
    )
    return membership


@transaction.atomic
def person_leave_team(*, user: AbstractBaseUser, team: Team) -> bool:
    """The rep is no longer in team (an identity provider group lost them).

    They stay a member of the organization, with no team until one takes them
    back; their answers and memory stay. False if they were not its rep.
    """
    deleted, _rows = RepProfile.objects.filter(user=user, team=team).delete()
    return bool(deleted)


# A rep pausing their own questions (the Slack app's "pause until"; rep
# self-service may call it too). Saving paused_until re-plans today.
MAX_PAUSE_DAYS = 366


def rep_pause_set(
    *, profile: RepProfile, until: dt.date | None, today: dt.date, via: str = ""
) -> RepProfile:
    """No questions for the rep up to and including until (None: no pause).

    ``today`` is the rep's local date: a day before it is refused, as is one
    more than a year ahead. Audited with the rep as actor.
    """
    if until is not None and not today <= until <= today + dt.timedelta(
        days=MAX_PAUSE_DAYS
    ):
        raise ApplicationError("invalid", _("Pick a day from today to a year ahead."))
    with audit_context(
        cause="pause",
        via=via,
        actor=profile.user,
        organization_id=profile.team.organization_id,
    ):
        if profile.paused_until != until:
            profile.paused_until = until
            profile.save(update_fields=["paused_until", "updated_at"])
    return profile
