"""What reps are enrolled in; the planner creates their memory states from it."""

import datetime as dt
from collections import defaultdict

from django.db.models import Q

from enablement.models import Enrollment, Question, RepProfile


def enrolled_question_ids(
    *, rep_ids: list[int], on_date: dt.date
) -> dict[int, set[int]]:
    """Published questions of the modules each rep is enrolled in (directly or by team)."""
    teams = dict(
        RepProfile.objects.filter(user_id__in=rep_ids).values_list("user_id", "team_id")
    )
    enrollments = Enrollment.objects.filter(
        Q(rep_id__in=rep_ids) | Q(team_id__in=set(teams.values())),
        starts_on__lte=on_date,
    ).values_list("module_id", "team_id", "rep_id")
    modules_by_rep: dict[int, set[int]] = defaultdict(set)
    reps_by_team: dict[int, list[int]] = defaultdict(list)
    for rep_id, team_id in teams.items():
        reps_by_team[team_id].append(rep_id)
    for module_id, team_id, rep_id in enrollments:
        for target in [rep_id] if rep_id else reps_by_team[team_id]:
            modules_by_rep[target].add(module_id)
    all_modules = set().union(*modules_by_rep.values()) if modules_by_rep else set()
    questions_by_module: dict[int, set[int]] = defaultdict(set)
    for question_id, module_id in Question.objects.filter(
        module_id__in=all_modules, status=Question.Status.PUBLISHED
    ).values_list("id", "module_id"):
        questions_by_module[module_id].add(question_id)
    return {
        rep_id: set().union(
            *(questions_by_module[m] for m in modules_by_rep.get(rep_id, ()))
        )
        for rep_id in rep_ids
    }
