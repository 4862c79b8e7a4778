"""Who may see whose KPIs: enforced here, in the querysets every KPI read starts from.

A frontline manager sees the reps of the teams they manage; an enablement
admin sees every team of the organizations they administer; a rep sees only
themselves; nobody sees another organization. A scope is always one
organization, optionally narrowed to one of its visible teams.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from core.errors import ApplicationError
from enablement.models import Organization, RepProfile, Team


class ScopeDenied(ApplicationError):
    """The user may not see KPIs of the organization or team asked for.

    ``str()`` of it is the reason (``message``); its code is ``scope_denied``.
    """

    def __init__(self, message: str):
        super().__init__("scope_denied", message)


@dataclass(frozen=True)
class KpiScope:
    organization: Organization
    teams: QuerySet  # Team rows this scope covers
    is_admin: bool
    team: Team | None = None
    rep_id: int | None = None  # set when a rep sees only themselves

    def reps(self) -> QuerySet:
        """The RepProfile rows in scope (a lazy queryset, usable as a subquery)."""
        profiles = RepProfile.objects.filter(team__in=self.teams)
        if self.rep_id is not None:
            profiles = profiles.filter(user_id=self.rep_id)
        return profiles

    def rep_ids(self) -> QuerySet:
        return self.reps().values("user_id")

    @property
    def label(self) -> str:
        if self.team is not None:
            return self.team.name
        return self.organization.name


def visible_teams(*, user: AbstractBaseUser) -> QuerySet:
    """Teams whose KPIs the user may read: managed teams and administered orgs'."""
    if not user.is_authenticated:
        return Team.objects.none()
    return (
        Team.objects.filter(Q(managers=user) | Q(organization__admins=user))
        .select_related("organization")
        .distinct()
        .order_by("organization__name", "name")
    )


def kpi_scope_get(
    *,
    user: AbstractBaseUser,
    organization_id: int | None = None,
    team_id: int | None = None,
) -> KpiScope:
    """Resolve what the user may see, narrowed to an organization and a team.

    Raises ScopeDenied when the user manages nothing there (or at all).
    Without a team, a manager gets their teams of the organization; an admin
    gets the whole organization.
    """
    if not user.is_authenticated:
        raise ScopeDenied("not signed in")
    teams = visible_teams(user=user)
    if organization_id is not None:
        teams = teams.filter(organization_id=organization_id)
    if team_id is not None:
        team = teams.filter(pk=team_id).first()
        if team is None:
            raise ScopeDenied("team not visible")
        return KpiScope(
            organization=team.organization,
            teams=Team.objects.filter(pk=team.pk),
            is_admin=team.organization.admins.filter(pk=user.pk).exists(),
            team=team,
        )
    first = teams.first()
    if first is None:
        profile = (
            RepProfile.objects.select_related("team__organization")
            .filter(user=user)
            .first()
        )
        if profile is None or (
            organization_id is not None
            and profile.team.organization_id != organization_id
        ):
            raise ScopeDenied("nothing to see")
        return KpiScope(
            organization=profile.team.organization,
            teams=Team.objects.filter(pk=profile.team_id),
            is_admin=False,
            team=profile.team,
            rep_id=user.pk,
        )
    organization = first.organization
    is_admin = organization.admins.filter(pk=user.pk).exists()
    scoped = (
        Team.objects.filter(organization=organization)
        if is_admin
        else Team.objects.filter(organization=organization, managers=user)
    )
    return KpiScope(organization=organization, teams=scoped, is_admin=is_admin)
