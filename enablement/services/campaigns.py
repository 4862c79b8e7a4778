"""Campaigns: the planner reads them (docs/revenue.md, "Campaigns (planner)");
a change re-plans today's unanswered plans of the teams it touches."""

from collections.abc import Iterable

from enablement.signals import plans_affected


def campaign_plans_affect(*, team_ids: Iterable[int]) -> None:
    """A campaign was added, changed or deleted: re-plan its teams' (before
    and after) plans of today, within the minute."""
    ids = sorted(set(team_ids))
    if ids:
        plans_affected.send(sender=None, scope="team", ids=ids)
