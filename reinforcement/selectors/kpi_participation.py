"""Participation KPIs: prompts answered on time, active reps and streaks."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from reinforcement.kpi_rules import (
    ACTIVE_MONTH_DAYS,
    ACTIVE_WEEK_DAYS,
    PARTICIPATION_WINDOW_DAYS,
    STREAK_WINDOW_DAYS,
    plan_day_streaks,
)
from reinforcement.models import Answer, RepDay
from reinforcement.selectors.kpi_common import RepRow, kpi_scope_reps, ratio
from reinforcement.selectors.scoping import KpiScope


@dataclass
class ParticipationRow:
    rep: RepRow
    delivered: int
    answered_on_time: int
    active_7: bool
    active_30: bool
    current_streak: int
    longest_streak: int
    # Answers in the window per channel (Answer.channel: web, api, slack, ...).
    by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return ratio(self.answered_on_time, self.delivered)


@dataclass
class Participation:
    rows: list[ParticipationRow]
    delivered: int = 0
    answered_on_time: int = 0
    active_7: int = 0
    active_30: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return ratio(self.answered_on_time, self.delivered)

    def add(self, row: ParticipationRow) -> None:
        self.rows.append(row)
        self.delivered += row.delivered
        self.answered_on_time += row.answered_on_time
        self.active_7 += row.active_7
        self.active_30 += row.active_30
        for channel, n in row.by_channel.items():
            self.by_channel[channel] = self.by_channel.get(channel, 0) + n

    @property
    def channels(self) -> list[tuple[str, int]]:
        """(channel's name, answers) of every channel, busiest first, for display."""
        labels = dict(Answer.Channel.choices)
        ranked = sorted(self.by_channel.items(), key=lambda item: (-item[1], item[0]))
        return [(str(labels.get(c, c)), n) for c, n in ranked]


def _participation_row(
    rep: RepRow, days: list[tuple], *, today: dt.date, window_days: int
) -> ParticipationRow:
    """One rep's row from their (day, delivered, answered, on time, expired,
    answers by channel)."""
    since = today - dt.timedelta(days=window_days)
    window = [d for d in days if d[0] > since]
    by_channel: dict[str, int] = {}
    for d in window:
        for channel, n in (d[5] or {}).items():
            by_channel[channel] = by_channel.get(channel, 0) + n

    def active(within: int) -> bool:
        return any(d[2] for d in days if d[0] > today - dt.timedelta(days=within))

    current, longest = plan_day_streaks(d[:5] for d in days)
    return ParticipationRow(
        rep=rep,
        delivered=sum(d[1] for d in window),
        answered_on_time=sum(d[3] for d in window),
        active_7=active(ACTIVE_WEEK_DAYS),
        active_30=active(ACTIVE_MONTH_DAYS),
        current_streak=current,
        longest_streak=longest,
        by_channel=by_channel,
    )


def kpi_participation_summary(
    *,
    scope: KpiScope,
    now: dt.datetime,
    window_days: int = PARTICIPATION_WINDOW_DAYS,
    reps: list[RepRow] | None = None,
) -> Participation:
    """Delivered prompts answered on time, active reps and streaks, per rep.

    Two queries (reps, unless given, and a year of participation rows).
    """
    reps = reps if reps is not None else kpi_scope_reps(scope=scope)
    today = now.date()
    rows = (
        RepDay.objects.filter(
            rep_id__in=scope.current_rep_ids(),
            day__gt=today - dt.timedelta(days=STREAK_WINDOW_DAYS),
        )
        .order_by("rep_id", "day")
        .values_list(
            "rep_id",
            "day",
            "delivered",
            "answered",
            "answered_on_time",
            "expired",
            "answered_by_channel",
        )  # fmt: skip
    )
    by_rep: dict[int, list] = defaultdict(list)
    for rep_id, *rest in rows:
        by_rep[rep_id].append(tuple(rest))
    result = Participation(rows=[])
    for rep in reps:
        result.add(
            _participation_row(
                rep, by_rep.get(rep.rep_id, []), today=today, window_days=window_days
            )
        )
    return result
