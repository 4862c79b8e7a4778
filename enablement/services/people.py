"""People of an organization: the one write path for adding, changing and
deactivating a person, whoever asks (admin, roster import, SSO, SCIM).

A person is a User with a Membership of one organization. Their role is the
link that grants it: a rep has a RepProfile in a team, a manager is one of a
team's managers, an enablement admin is one of Organization.admins and an
author one of Organization.authors.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.audit import audit_context, audit_organization
from enablement.models import Membership, Organization, RepProfile, Team
from enablement.services.invitations import invitation_send
from enablement.signals import person_deactivated, person_reactivated

logger = logging.getLogger(__name__)


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


@dataclass
class PersonResult:
    user: AbstractBaseUser
    created: bool = False
    changed: list[str] = field(default_factory=list)
    membership: Membership | None = None


@dataclass
class PeopleIndex:
    """An organization's people read in a few queries, for a batch of upserts
    (a roster): person_find and person_upsert look people up here instead of
    querying once per person, and keep it current as they write.
    """

    organization: Organization
    by_external_id: dict[str, AbstractBaseUser] = field(default_factory=dict)
    by_email: dict[str, AbstractBaseUser] = field(default_factory=dict)
    by_username: dict[str, AbstractBaseUser] = field(default_factory=dict)
    memberships: dict[int, Membership] = field(default_factory=dict)  # by user id
    profiles: dict[int, RepProfile] = field(default_factory=dict)  # by user id
    managed: set[tuple[int, int]] = field(default_factory=set)  # (team, user)

    def add_user(self, user: AbstractBaseUser) -> None:
        self.by_email.setdefault(user.email.lower(), user)
        self.by_username.setdefault(user.get_username().lower(), user)

    def add_membership(self, membership: Membership) -> None:
        self.memberships[membership.user_id] = membership
        if (
            membership.external_id
            and membership.organization_id == self.organization.pk
        ):
            self.by_external_id[membership.external_id] = membership.user


def people_index(*, organization: Organization, emails: Iterable[str]) -> PeopleIndex:
    """Index the organization's people and whoever else has one of these emails."""
    User = get_user_model()
    index = PeopleIndex(organization=organization)
    emails = sorted({e.strip().lower() for e in emails})
    users = {
        m.user_id: m.user
        for m in Membership.objects.filter(organization=organization).select_related(
            "user"
        )
    }
    for start in range(0, len(emails), 2000):  # SQLite caps bound parameters
        chunk = emails[start : start + 2000]
        found = User.objects.annotate(e=Lower("email"), u=Lower("username")).filter(
            Q(e__in=chunk) | Q(u__in=chunk)
        )
        users.update((u.pk, u) for u in found)
    for user in sorted(users.values(), key=lambda u: u.pk):
        index.add_user(user)
    for membership in Membership.objects.filter(user_id__in=users):
        membership.user = users[membership.user_id]
        index.add_membership(membership)
    profiles = RepProfile.objects.filter(
        Q(user_id__in=users) | Q(team__organization=organization)
    ).select_related("team")  # person_upsert compares the team
    index.profiles = {p.user_id: p for p in profiles}
    index.managed = set(
        Team.managers.through.objects.filter(
            team__organization=organization
        ).values_list("team_id", "user_id")
    )
    return index


def _index_find(
    index: PeopleIndex, email: str, external_id: str | None
) -> AbstractBaseUser | None:
    """person_find's rules on the index."""
    if external_id and external_id in index.by_external_id:
        return index.by_external_id[external_id]
    key = email.strip().lower()
    return index.by_email.get(key) or index.by_username.get(key)


def person_find(
    *,
    organization: Organization,
    email: str,
    external_id: str | None = None,
    index: PeopleIndex | None = None,
) -> AbstractBaseUser | None:
    """The organization's person with this external id, else with this email.

    Raises ApplicationError("conflict") if the email belongs to a person of
    another organization: one login is one organization's.
    """
    User = get_user_model()
    if index is not None:
        user = _index_find(index, email, external_id)
        membership = index.memberships.get(user.pk) if user else None
        if membership is not None and membership.organization_id != organization.pk:
            raise ApplicationError(
                "conflict",
                _("%(email)s belongs to another organization.") % {"email": email},
            )
        return user
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
    return changed


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
) -> PersonResult:
    """Create or update one person of organization from data.

    Matched by external id, else by email. A new person gets an unusable
    password: they set one from their invitation (or sign in with SSO).
    ``index`` (people_index) spares a batch the per-person lookups.
    ``invite``: a person created here is sent an invitation email (queued
    in this transaction, sent once it commits; ``invitation_send``).
    """
    email = data.email.strip().lower()
    if not email or "@" not in email:
        raise ApplicationError("invalid", _("A person needs an email address."))
    User = get_user_model()
    user = person_find(
        organization=organization,
        email=email,
        external_id=data.external_id,
        index=index,
    )
    result = PersonResult(user=user)
    if user is None:
        user = User(username=email, email=email)
        user.set_unusable_password()
        result = PersonResult(user=user, created=True)
    for name in ("first_name", "last_name"):
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
