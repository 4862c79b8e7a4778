"""What reps are enrolled in: the published questions the planner and KPIs cover."""

import datetime as dt
from collections import defaultdict

from django.db.models import Q

from enablement.models import Enrollment, Question, RepProfile


def enrolled_questions(
    *, rep_ids: list[int], on_date: dt.date
) -> dict[int, dict[int, dt.date | None]]:
    """Each rep's enrolled published questions, with the date they were taught live.

    A question's date is its enrollment's ``taught_on`` (the latest, if the rep
    is enrolled in its module twice), or None when it is first met in a quiz.
    """
    teams = dict(
        RepProfile.objects.filter(user_id__in=rep_ids).values_list("user_id", "team_id")
    )
    enrollments = Enrollment.objects.filter(
        Q(rep_id__in=rep_ids) | Q(team_id__in=set(teams.values())),
        starts_on__lte=on_date,
    ).values_list("module_id", "team_id", "rep_id", "taught_on")
    modules_by_rep: dict[int, dict[int, dt.date | None]] = defaultdict(dict)
    reps_by_team: dict[int, list[int]] = defaultdict(list)
    for rep_id, team_id in teams.items():
        reps_by_team[team_id].append(rep_id)
    for module_id, team_id, rep_id, taught_on in enrollments:
        for target in [rep_id] if rep_id else reps_by_team[team_id]:
            known = modules_by_rep[target].get(module_id)
            modules_by_rep[target][module_id] = max(
                (d for d in (known, taught_on) if d is not None), default=None
            )
    all_modules = {m for modules in modules_by_rep.values() for m in modules}
    questions_by_module: dict[int, list[int]] = defaultdict(list)
    for question_id, module_id in Question.objects.filter(
        module_id__in=all_modules, status=Question.Status.PUBLISHED
    ).values_list("id", "module_id"):
        questions_by_module[module_id].append(question_id)
    return {
        rep_id: {
            question_id: taught_on
            for module_id, taught_on in modules_by_rep.get(rep_id, {}).items()
            for question_id in questions_by_module[module_id]
        }
        for rep_id in rep_ids
    }


def enrolled_question_ids(
    *, rep_ids: list[int], on_date: dt.date
) -> dict[int, set[int]]:
    """Published questions of the modules each rep is enrolled in (directly or by team)."""
    return {
        rep_id: set(questions)
        for rep_id, questions in enrolled_questions(
            rep_ids=rep_ids, on_date=on_date
        ).items()
    }
