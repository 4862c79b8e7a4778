"""Finding an organization's people: by external id, else by email, one at a
time or for a whole batch at once (a roster of 10,000 reads them in a few
queries instead of several per person). The writes are in people.py.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import Membership, Organization, RepProfile, Team


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
