"""Who may see whose KPIs: enforced here, in the querysets every KPI read starts from.

A frontline manager sees the reps of the teams they manage; an enablement
admin sees every team of the organizations they administer; a rep sees only
themselves; nobody sees another organization. A scope is always one
organization, optionally narrowed to one of its visible teams.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import Organization, RepProfile, Team

# The largest id a primary key holds (a signed 64-bit integer). A larger one
# in a query would make SQLite raise OverflowError instead of matching nothing.
MAX_ID = 2**63 - 1


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

    def current_reps(self) -> QuerySet:
        """The reps in scope still with the organization.

        The denominators of current figures (retention now, the coaching
        list, this window's participation); trends of past weeks keep
        everyone, leavers included (``reps``).
        """
        return (
            self.reps()
            .filter(user__is_active=True)
            .exclude(user__membership__deactivated_at__isnull=False)
        )

    def current_rep_ids(self) -> QuerySet:
        return self.current_reps().values("user_id")

    @property
    def label(self) -> str:
        if self.team is not None:
            return self.team.name
        return self.organization.name


def scope_id_parse(*, value: str | None, name: str) -> int | None:
    """An ``?organization=``, ``?team=`` or ``?topic=`` value as an id.

    None when absent or blank (the page's "all" choice); an
    ``ApplicationError("invalid")`` for anything but a whole number from 1
    to MAX_ID.
    """
    if value is None or not value.strip():
        return None
    try:
        parsed = int(value)
    except ValueError:
        parsed = None
    if parsed is None or not 1 <= parsed <= MAX_ID:
        raise ApplicationError(
            "invalid",
            _("%(name)s is not a valid id.") % {"name": name},
            {name: [_("Send a whole number from 1 to %(max)d.") % {"max": MAX_ID}]},
        )
    return parsed


def _id_in_range(value: int | None) -> bool:
    return value is None or 1 <= value <= MAX_ID


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
    if not (_id_in_range(organization_id) and _id_in_range(team_id)):
        raise ScopeDenied("nothing to see")
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
