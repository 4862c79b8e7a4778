"""Campaigns as the planner reads them: which topics are boosted, for whom, today."""

import datetime as dt
from collections import defaultdict

from enablement.models import Campaign


def campaign_topic_boosts(
    *, rep_teams: dict[int, int], local_dates: dict[int, dt.date]
) -> dict[int, dict[int, float]]:
    """Each rep's boosted topics on their local date: {rep: {topic: boost}}.

    A campaign counts for a rep of one of its teams from its start to its end
    date inclusive, in the rep's local date. Two campaigns on one topic do
    not multiply: the larger boost counts. Reps without a boost are left out.
    One query for the chunk.
    """
    if not rep_teams:
        return {}
    days = set(local_dates.values())
    rows = (
        Campaign.objects.filter(
            teams__in=set(rep_teams.values()),
            starts_on__lte=max(days),
            ends_on__gte=min(days),
            topics__isnull=False,
        )
        .values_list("teams", "topics", "starts_on", "ends_on", "boost")
        .distinct()
    )
    by_team: dict[int, list[tuple[int, dt.date, dt.date, float]]] = defaultdict(list)
    for team_id, topic_id, starts_on, ends_on, boost in rows:
        by_team[team_id].append((topic_id, starts_on, ends_on, boost))
    boosts: dict[int, dict[int, float]] = {}
    for rep_id, team_id in rep_teams.items():
        day = local_dates[rep_id]
        for topic_id, starts_on, ends_on, boost in by_team.get(team_id, ()):
            if starts_on <= day <= ends_on:
                topics = boosts.setdefault(rep_id, {})
                topics[topic_id] = max(boost, topics.get(topic_id, 1.0))
    return boosts
