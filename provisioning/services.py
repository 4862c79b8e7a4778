"""Writes of SCIM provisioning. Every change to a person goes through
enablement.services.people; a team's members are its reps."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import Membership, Organization, RepProfile, Team
from enablement.services.people import (
    PersonData,
    Role,
    person_deactivate,
    person_leave_team,
    person_reactivate,
    person_upsert,
)
from provisioning.models import DeletedPerson, ProvisioningToken, TeamLink
from provisioning.selectors import scim_people, token_digest, token_find

TOKEN_PREFIX = "scim_"
# A person a SCIM User write creates or changes gets no role link: their team
# (and so being a rep) comes from the Groups they are members of.
NO_ROLE = ""


@dataclass(frozen=True)
class ScimPerson:
    """What a SCIM User says about a person."""

    user_name: str
    email: str
    given_name: str | None
    family_name: str | None
    external_id: str
    active: bool | None


@dataclass(frozen=True)
class ScimGroup:
    """What a SCIM Group says about a team."""

    name: str
    external_id: str
    member_ids: list[str]


@transaction.atomic
def token_rotate(*, organization: Organization) -> str:
    """Issue a new token for organization, replacing the old one; returned once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ProvisioningToken.objects.update_or_create(
        organization=organization,
        defaults={"token_digest": token_digest(token), "token_prefix": token[:12]},
    )
    return token


def token_authenticate(*, token: str) -> Organization | None:
    """The organization a bearer token opens, or None; notes when it was used."""
    row = token_find(token=token)
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ProvisioningToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.organization


def _check_unique(*, person: ScimPerson, except_user=None) -> None:
    """userName and email are one login's anywhere: 409 if someone else has one."""
    User = get_user_model()
    taken = User.objects.filter(
        Q(username__iexact=person.user_name)
        | Q(email__iexact=person.email)
        | Q(username__iexact=person.email)
    )
    if except_user is not None:
        taken = taken.exclude(pk=except_user.pk)
    if taken.exists():
        raise ApplicationError("conflict", _("userName or email is already taken."))


def _check_lengths(values: dict[str, tuple[str | None, int]]) -> None:
    for attribute, (value, limit) in values.items():
        if value and len(value) > limit:
            raise ApplicationError(
                "invalid",
                _("%(attribute)s is longer than %(limit)d characters.")
                % {"attribute": attribute, "limit": limit},
            )


def _field_limit(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _data(person: ScimPerson) -> PersonData:
    User = get_user_model()
    _check_lengths(
        {
            "userName": (person.user_name, _field_limit(User, "username")),
            "emails": (person.email, _field_limit(User, "email")),
            "name.givenName": (person.given_name, _field_limit(User, "first_name")),
            "name.familyName": (person.family_name, _field_limit(User, "last_name")),
            "externalId": (person.external_id, _field_limit(Membership, "external_id")),
        }
    )
    if not person.user_name:
        raise ApplicationError("invalid", _("A User needs a userName."))
    return PersonData(
        email=person.email,
        role=NO_ROLE,
        username=person.user_name,
        first_name=person.given_name or "",
        last_name=person.family_name or "",
        external_id=person.external_id,
    )


def _set_active(membership: Membership, active: bool | None) -> None:
    if active and membership.deactivated_at is not None:
        person_reactivate(membership=membership)
    elif not active and membership.deactivated_at is None:
        person_deactivate(membership=membership)


def _deleted_match(*, organization: Organization, person: ScimPerson):
    """A person of organization DELETEd through SCIM whom this User names again."""
    query = Q(user__username__iexact=person.user_name) | Q(
        user__email__iexact=person.email
    )
    if person.external_id:
        query |= Q(external_id=person.external_id)
    return (
        Membership.objects.filter(
            organization=organization, scim_deletion__isnull=False
        )
        .filter(query)
        .select_related("user")
        .first()
    )


@transaction.atomic
def scim_user_create(*, organization: Organization, person: ScimPerson) -> Membership:
    """A new person of organization; one DELETEd earlier comes back, history kept."""
    returning = _deleted_match(organization=organization, person=person)
    if returning is not None:
        DeletedPerson.objects.filter(membership=returning).delete()
        return scim_user_update(membership=returning, person=person)
    if person.external_id and scim_people(organization=organization).filter(
        external_id=person.external_id
    ):
        raise ApplicationError("conflict", _("externalId is already taken."))
    _check_unique(person=person)
    result = person_upsert(organization=organization, data=_data(person))
    membership = result.user.membership
    _set_active(membership, person.active)
    return membership


@transaction.atomic
def scim_user_update(*, membership: Membership, person: ScimPerson) -> Membership:
    """Replace what SCIM says of a person; active false deactivates them."""
    user = membership.user
    _check_unique(person=person, except_user=user)
    if person.external_id and (
        Membership.objects.filter(
            organization=membership.organization_id, external_id=person.external_id
        )
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ApplicationError("conflict", _("externalId is already taken."))
    person_upsert(organization=membership.organization, data=_data(person), user=user)
    membership.refresh_from_db()
    if not person.external_id and membership.external_id:
        # person_upsert leaves a blank external id as it is; SCIM removed it.
        membership.external_id = ""
        membership.save(update_fields=["external_id", "updated_at"])
    _set_active(membership, person.active)
    return membership


@transaction.atomic
def scim_user_delete(*, membership: Membership) -> None:
    """DELETE /Users/{id}: the person is deactivated (history kept) and hidden from SCIM."""
    person_deactivate(membership=membership)
    DeletedPerson.objects.get_or_create(membership=membership)


def _members(*, organization: Organization, member_ids: list[str]) -> list[Membership]:
    ids = {int(m) for m in member_ids if m.isdigit()}
    found = list(scim_people(organization=organization).filter(user_id__in=ids))
    if len(found) != len(set(member_ids)):
        raise ApplicationError("invalid", _("A member is not a User of this service."))
    return found


def _set_members(*, team: Team, member_ids: list[str]) -> None:
    wanted = _members(organization=team.organization, member_ids=member_ids)
    wanted_ids = {m.user_id for m in wanted}
    current = set()
    for profile in RepProfile.objects.filter(team=team).select_related("user"):
        if profile.user_id in wanted_ids:
            current.add(profile.user_id)
        else:
            person_leave_team(user=profile.user, team=team)
    for membership in wanted:
        if membership.user_id in current:
            continue
        user = membership.user
        # A rep is in one team: joining this one moves them from another.
        person_upsert(
            organization=team.organization,
            data=PersonData(email=user.email, role=Role.REP, team=team),
            user=user,
        )


def _check_name(*, organization: Organization, name: str, team: Team | None) -> None:
    if not name.strip():
        raise ApplicationError("invalid", _("A group needs a displayName."))
    _check_lengths({"displayName": (name, _field_limit(Team, "name"))})
    clash = Team.objects.filter(organization=organization, name__iexact=name.strip())
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise ApplicationError("conflict", _("displayName is already taken."))


def _link(*, team: Team, external_id: str) -> None:
    _check_lengths({"externalId": (external_id, _field_limit(TeamLink, "external_id"))})
    TeamLink.objects.update_or_create(team=team, defaults={"external_id": external_id})


@transaction.atomic
def scim_group_create(*, organization: Organization, group: ScimGroup) -> Team:
    """POST /Groups: a new team whose members become its reps."""
    _check_name(organization=organization, name=group.name, team=None)
    team = Team.objects.create(organization=organization, name=group.name)
    _link(team=team, external_id=group.external_id)
    _set_members(team=team, member_ids=group.member_ids)
    return team


@transaction.atomic
def scim_group_update(*, team: Team, group: ScimGroup) -> Team:
    """PUT or PATCH /Groups/{id}: rename the team and set its reps."""
    _check_name(organization=team.organization, name=group.name, team=team)
    if team.name != group.name:
        team.name = group.name
        team.save(update_fields=["name", "updated_at"])
    _link(team=team, external_id=group.external_id)
    _set_members(team=team, member_ids=group.member_ids)
    return team


@transaction.atomic
def scim_group_delete(*, team: Team) -> None:
    """DELETE /Groups/{id}: the team goes; its reps stay members with no team."""
    for profile in RepProfile.objects.filter(team=team).select_related("user"):
        person_leave_team(user=profile.user, team=team)
    team.delete()
