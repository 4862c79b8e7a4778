"""Export an organization's reps and managers as a roster CSV that imports back
unchanged (a no-op), with formula-leading cells neutralized."""

from django.db.models import Q

from enablement.models import Organization, RepProfile, Team
from enablement.services.roster_format import digits_to_days, roster_dump


def _person(user, **values) -> dict[str, str]:
    membership = getattr(user, "membership", None)
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "external_id": membership.external_id if membership else "",
        **values,
    }


def roster_export(*, organization: Organization) -> str:
    """The CSV text of the organization's active reps and managers, by email.

    A person who manages a team is a manager row (the first of their teams by
    name); a rep is a row with their delivery settings. Deactivated people
    are left out, so importing the export reactivates nobody.
    """
    active = Q(user__membership__isnull=True) | Q(
        user__membership__deactivated_at__isnull=True
    )
    records: dict[int, dict[str, str]] = {}
    managers = (
        Team.managers.through.objects.filter(team__organization=organization)
        .filter(active)
        .select_related("user__membership", "team")
        .order_by("team__name")
    )
    for link in managers:
        records.setdefault(
            link.user_id, _person(link.user, team=link.team.name, role="manager")
        )
    profiles = (
        RepProfile.objects.filter(team__organization=organization)
        .filter(active)
        .select_related("user__membership", "team")
    )
    for p in profiles:
        records.setdefault(
            p.user_id,
            _person(
                p.user,
                team=p.team.name,
                role="rep",
                time_zone=p.time_zone,
                delivery_hour=str(p.delivery_hour),
                working_days=digits_to_days(p.working_days),
                hired_on=p.hired_on.isoformat() if p.hired_on else "",
            ),
        )
    return roster_dump(sorted(records.values(), key=lambda r: r["email"].lower()))
