"""Ramp KPIs: days from each enrollment's start to the rep's mastery of the module."""

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q

from enablement.models import Enrollment
from reinforcement.kpi_rules import NEW_HIRE_DAYS
from reinforcement.models import ModuleMastery
from reinforcement.selectors.kpi_common import RepRow, kpi_scope_reps
from reinforcement.selectors.scoping import KpiScope


@dataclass
class RampRow:
    rep: RepRow
    module: str
    module_id: int
    started_on: dt.date
    reached_on: dt.date | None
    days: int | None  # to mastery, or so far when not reached
    new_hire: bool


@dataclass
class Ramp:
    rows: list[RampRow]
    team_median_days: dict[int, float | None]  # per module, all reps who reached
    new_hire_median_days: dict[int, float | None]


def _enrolled_reps(
    *, scope: KpiScope, reps: list[RepRow], today: dt.date
) -> Iterator[tuple[RepRow, int, str, dt.date]]:
    """(rep, module id, module name, start) of every started enrollment in scope.

    A team enrollment stands for each of the team's reps in scope. Two queries.
    """
    rep_by_id = {r.rep_id: r for r in reps}
    reps_of_team: dict[int, list[int]] = defaultdict(list)
    for rep_id, team_id in scope.reps().values_list("user_id", "team_id"):
        reps_of_team[team_id].append(rep_id)
    enrollments = Enrollment.objects.filter(
        Q(team__in=scope.teams) | Q(rep_id__in=list(rep_by_id)),
        module__methodology__organization=scope.organization,
    ).values_list("module_id", "module__name", "team_id", "rep_id", "starts_on")
    for module_id, module_name, team_id, rep_id, starts_on in enrollments:
        if starts_on > today:
            continue
        for target in [rep_id] if rep_id else reps_of_team.get(team_id, []):
            rep = rep_by_id.get(target)
            if rep is not None:
                yield rep, module_id, module_name, starts_on


def _ramp_row(
    rep: RepRow,
    module_id: int,
    module_name: str,
    starts_on: dt.date,
    *,
    reached_at: dt.datetime | None,
    today: dt.date,
) -> RampRow:
    """A rep hired after the enrollment started starts on the hire date."""
    start = max(starts_on, rep.hired_on or starts_on)
    reached_on = reached_at.date() if reached_at else None
    return RampRow(
        rep=rep,
        module=module_name,
        module_id=module_id,
        started_on=start,
        reached_on=reached_on,
        days=max(((reached_on or today) - start).days, 0),
        new_hire=bool(
            rep.hired_on and rep.hired_on > today - dt.timedelta(days=NEW_HIRE_DAYS)
        ),
    )


def _median_days(rows: list[RampRow]) -> float | None:
    return statistics.median(r.days for r in rows) if rows else None


def _module_medians(
    rows: list[RampRow],
) -> tuple[dict[int, float | None], dict[int, float | None]]:
    """Median days to mastery per module: of all who reached it, of new hires."""
    reached: dict[int, list[RampRow]] = {r.module_id: [] for r in rows}
    for r in rows:
        if r.reached_on:
            reached[r.module_id].append(r)
    team = {m: _median_days(done) for m, done in reached.items()}
    hires = {
        m: _median_days([r for r in done if r.new_hire]) for m, done in reached.items()
    }
    return team, hires


def kpi_ramp_summary(
    *, scope: KpiScope, now: dt.datetime, reps: list[RepRow] | None = None
) -> Ramp:
    """Days from each enrollment's start to the rep's mastery of the module.

    The start is the later of the enrollment's start and the rep's hire date
    (a rep hired after the team was enrolled starts then); of several
    enrollments in one module the earliest start counts. Three queries (four
    without ``reps``).
    """
    reps = reps if reps is not None else kpi_scope_reps(scope=scope)
    reached = {
        (rep_id, module_id): at
        for rep_id, module_id, at in ModuleMastery.objects.filter(
            rep_id__in=scope.rep_ids()
        ).values_list("rep_id", "module_id", "reached_at")
    }
    today = now.date()
    rows: dict[tuple[int, int], RampRow] = {}
    for rep, module_id, module_name, starts_on in _enrolled_reps(
        scope=scope, reps=reps, today=today
    ):
        key = (rep.rep_id, module_id)
        row = _ramp_row(
            rep,
            module_id,
            module_name,
            starts_on,
            reached_at=reached.get(key),
            today=today,
        )
        if key not in rows or row.started_on < rows[key].started_on:
            rows[key] = row
    ordered = sorted(
        rows.values(), key=lambda r: (r.module, not r.new_hire, r.rep.username)
    )
    team_median, hire_median = _module_medians(ordered)
    return Ramp(ordered, team_median, hire_median)
