"""Which reps the pending re-plan requests name."""

import datetime as dt

from django.db.models import Q

from enablement.models import Enrollment
from reinforcement.models import ReplanRequest
from reinforcement.selectors.planning import reps_active

# Requests one run reads; a burst of changes to many scopes drains over runs.
REQUESTS_READ = 1000


def replan_scope_reps(*, scope: str, scope_id: int) -> set[int]:
    """The active reps a change of this scope affects."""
    reps = reps_active()
    if scope == ReplanRequest.Scope.REP:
        reps = reps.filter(user_id=scope_id)
    elif scope == ReplanRequest.Scope.TEAM:
        reps = reps.filter(team_id=scope_id)
    elif scope == ReplanRequest.Scope.ORGANIZATION:
        reps = reps.filter(team__organization_id=scope_id)
    else:
        enrolled = Enrollment.objects.filter(module_id=scope_id)
        reps = reps.filter(
            Q(team_id__in=enrolled.values("team_id"))
            | Q(user_id__in=enrolled.values("rep_id"))
        )
    return set(reps.values_list("user_id", flat=True))


def replan_requests_reps(
    *, limit: int
) -> tuple[list[tuple[int, dt.datetime]], list[int]]:
    """The oldest requests whose reps together stay within `limit` (at least one).

    Returns the requests as (id, requested_at), to be cleared only if unchanged,
    and their reps.
    """
    rows = ReplanRequest.objects.order_by("requested_at").values_list(
        "pk", "scope", "scope_id", "requested_at"
    )[:REQUESTS_READ]
    taken: list[tuple[int, dt.datetime]] = []
    reps: set[int] = set()
    for pk, scope, scope_id, requested_at in rows:
        more = replan_scope_reps(scope=scope, scope_id=scope_id)
        if taken and len(reps | more) > limit:
            break
        taken.append((pk, requested_at))
        reps |= more
    return taken, sorted(reps)
