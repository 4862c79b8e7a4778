"""The rules behind every KPI, defined once (docs/kpis.md).

Pure: numbers, dates and small dataclasses, no ORM. The answer write, the
rollup refreshes and rebuild, the rep's progress selector and the KPI
selectors all import these, so a rep's page and a manager's dashboard cannot
disagree about what "mastered" or "a spaced review" means.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

# A question counts as mastered once its stability reaches three weeks: the
# memory then survives the gaps between a rep's deals without reinforcement.
MASTERY_STABILITY_DAYS = 21.0
# A module is ramped once this share of its questions is mastered.
RAMP_MASTERY_SHARE = 0.8
# An answer at least this many days after the previous one is a spaced review.
SPACED_REVIEW_MIN_DAYS = 1.0
# Lower bounds (days since the last review) of the forgetting-curve bins.
RECALL_BINS = (1, 2, 4, 7, 14, 30, 60)
# Observed retention counts the spaced reviews of this many days back.
OBSERVED_WINDOW_DAYS = 90
# Question.Kind.MULTIPLE_CHOICE, the select-all kind (kept as a string so this
# module needs no models; a test checks the two agree).
SELECT_ALL_KIND = "multiple_choice"
# Answer.Confidence.CERTAIN and scheduling.Confidence.CERTAIN.
CERTAIN = "certain"
# Participation is the share of prompts delivered in this many days answered
# on time.
PARTICIPATION_WINDOW_DAYS = 30
# A rep who answered within the last 7 (30) days is active this week (month).
ACTIVE_WEEK_DAYS = 7
ACTIVE_MONTH_DAYS = 30
# Plan-day streaks look back this far (a year).
STREAK_WINDOW_DAYS = 365
# A rep hired this recently is a new hire in the ramp comparison.
NEW_HIRE_DAYS = 120
# Content flags need this many answers (and reps, for discrimination).
FLAG_MIN_ANSWERS = 10
FLAG_MIN_REPS = 8
# Below (above) this accuracy a question is flagged too hard (too easy).
FLAG_TOO_HARD = 0.35
FLAG_TOO_EASY = 0.95
# With 8 to 15 reps a correlation of -0.3 is rarely chance alone.
FLAG_NEGATIVE_DISCRIMINATION = -0.3
# A retention figure rests on at least this many answers (predicted recall)
# or spaced reviews (observed, and the model's prediction for those reviews);
# with fewer it reads "not enough answers yet" with the count. Right after a
# first answer predicted recall is near 100% by construction (the rep has just
# seen the answer), and one review's corrected score is 100% or below zero.
MIN_ANSWERS = 5
# A wrong choice one rep picked this often is a misconception of theirs (once
# can be a slip).
MISCONCEPTION_MIN_PICKS = 2


def has_enough_answers(count: int | None) -> bool:
    """Whether a figure resting on ``count`` answers (or reviews) is shown."""
    return (count or 0) >= MIN_ANSWERS


def is_mastered(stability: float | None) -> bool:
    """A question is mastered once its stability reaches MASTERY_STABILITY_DAYS."""
    return stability is not None and stability >= MASTERY_STABILITY_DAYS


def is_ramped(*, mastered: int, total: int) -> bool:
    """A module is ramped once RAMP_MASTERY_SHARE of its questions are mastered."""
    return total > 0 and mastered >= RAMP_MASTERY_SHARE * total


def is_spaced_review(
    *, stability_before: float | None, elapsed_days: float | None
) -> bool:
    """A review of a memory at least SPACED_REVIEW_MIN_DAYS old.

    Same-day repeats say little about memory; the observed retention figures
    count only spaced reviews.
    """
    return (
        stability_before is not None
        and elapsed_days is not None
        and elapsed_days >= SPACED_REVIEW_MIN_DAYS
    )


def chance_level(*, kind: str, choice_count: int) -> float:
    """Probability that a rep who has forgotten still answers right by guessing.

    Single choice and true/false: 1/k. Select-all multiple choice: any
    non-empty subset of the k options is a valid answer and the rep is not
    told how many are right, so a blind guess is right 1/(2^k - 1) of the time.
    """
    k = max(int(choice_count), 2)
    if kind == SELECT_ALL_KIND:
        return 1.0 / (2**k - 1)
    return 1.0 / k


def corrected_score(*, correct: bool, chance: float) -> float:
    """Unbiased estimate of recall from one answer: (correct - c) / (1 - c).

    If a rep recalls with probability r and otherwise guesses, the answer is
    right with probability r + (1 - r) c; this inverts that for one answer.
    """
    return (float(correct) - chance) / (1.0 - chance)


def recall_bin(elapsed_days: float) -> int:
    """The forgetting-curve bin (its lower bound in days) of an elapsed time."""
    start = RECALL_BINS[0]
    for bound in RECALL_BINS:
        if elapsed_days >= bound:
            start = bound
    return start


def week_start(day: dt.date) -> dt.date:
    """The Monday of a day's ISO week: snapshots and trends are weekly."""
    return day - dt.timedelta(days=day.weekday())


def _plan_day_runs(
    days: Iterable[tuple[dt.date, int, int, int, int]],
) -> Iterator[tuple[dt.date, int, int]]:
    """(day, run so far, answered on time) of each plan day with something delivered.

    The run is of plan days with an answer on time; days with nothing
    delivered are skipped (they do not break it); a day whose prompts are
    still open neither breaks nor extends it.
    """
    run = 0
    for day, delivered, answered, on_time, expired in days:
        if not delivered:
            continue
        if on_time:
            run += 1
        elif answered + expired >= delivered:
            run = 0
        yield day, run, on_time


def plan_day_streaks(
    days: Iterable[tuple[dt.date, int, int, int, int]],
) -> tuple[int, int]:
    """Current and longest run of plan days with an answer on time.

    ``days`` are (day, delivered, answered, on time, expired) in date order,
    as RepDay holds them (``_plan_day_runs`` says how a run counts).
    """
    longest = run = 0
    for _day, run, _on_time in _plan_day_runs(days):
        longest = max(longest, run)
    return run, longest


# Engagement (opt-in per organization, docs/kpis.md "Engagement"): points for
# each prompt answered on time, and a bonus for each plan day that extends a
# run of at least STREAK_BONUS_FROM plan days answered on time, over the last
# ENGAGEMENT_WINDOW_DAYS. Read from RepDay rows; the planner never sees them.
POINTS_ON_TIME = 10
POINTS_STREAK_DAY = 5
STREAK_BONUS_FROM = 3
ENGAGEMENT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class EngagementPoints:
    points: int
    answered_on_time: int
    streak_bonus_days: int


def engagement_points(
    days: Iterable[tuple[dt.date, int, int, int, int]],
) -> EngagementPoints:
    """A rep's points from their RepDay rows of the window, in date order.

    A run starts counting at the window's first day, so every rep's points
    rest on the same days.
    """
    on_time_total = bonus_days = 0
    for _day, run, on_time in _plan_day_runs(days):
        on_time_total += on_time
        bonus_days += bool(on_time and run >= STREAK_BONUS_FROM)
    return EngagementPoints(
        points=on_time_total * POINTS_ON_TIME + bonus_days * POINTS_STREAK_DAY,
        answered_on_time=on_time_total,
        streak_bonus_days=bonus_days,
    )


def competition_ranks(points: list[int]) -> list[int]:
    """Ranks of scores sorted high to low, ties sharing a rank (1, 2, 2, 4)."""
    ranks: list[int] = []
    for i, value in enumerate(points):
        ranks.append(ranks[-1] if i and value == points[i - 1] else i + 1)
    return ranks


# A streak longer than ten years is not looked for.
_STREAK_MAX_DAYS = 3660


def answer_day_streak(
    *,
    answered_days: set[dt.date],
    today: dt.date,
    is_working_day: Callable[[dt.date], bool],
) -> int:
    """Consecutive working days with an answer, back from today (the rep's own).

    Today without an answer yet does not break the streak; days off count
    only when the rep answered on them.
    """
    day = today if today in answered_days else today - dt.timedelta(days=1)
    streak = 0
    for _ in range(_STREAK_MAX_DAYS):
        if day in answered_days:
            streak += 1
        elif is_working_day(day):
            break
        day -= dt.timedelta(days=1)
    return streak


# Per-answer deltas ----------------------------------------------------------------

# The rollup tables an answer adds to (the models are mapped in
# services/rollups/counters.py).
REP_TOPIC_DAY = "rep_topic_day"
REP_ANSWER_DAY = "rep_answer_day"
REP_QUESTION_STAT = "rep_question_stat"
REP_CHOICE_STAT = "rep_choice_stat"
REP_TOPIC_RECALL_BIN = "rep_topic_recall_bin"
PEER_QUESTION_COUNT = "peer_question_count"
PEER_CHOICE_COUNT = "peer_choice_count"
PEER_TABLES = frozenset({PEER_QUESTION_COUNT, PEER_CHOICE_COUNT})


@dataclass(frozen=True)
class AnswerFacts:
    """What the rollups need to know of one answer and its question."""

    rep_id: int
    question_id: int
    topic_id: int
    kind: str
    choice_count: int
    correct: bool
    confidence: str
    chosen_choice_ids: tuple[int, ...]
    correct_choice_ids: frozenset[int]
    on_time: bool
    answered_at: dt.datetime
    elapsed_days: float | None
    stability_before: float | None
    predicted_recall: float | None


@dataclass(frozen=True)
class RollupDelta:
    """One row an answer adds to: its key, the sums to add, and the values to
    set when the row is created (``defaults``) or on every answer (``latest``)."""

    table: str
    key: dict
    increments: dict
    defaults: dict = field(default_factory=dict)
    latest: dict = field(default_factory=dict)


def answer_rollup_deltas(facts: AnswerFacts) -> list[RollupDelta]:
    """Every counter one answer moves, in a fixed order.

    The answer's own write turns these into single-row upserts; the rebuild
    from the log folds the same deltas of every answer, so the two cannot
    drift apart.
    """
    f = facts
    chance = chance_level(kind=f.kind, choice_count=f.choice_count)
    spaced = is_spaced_review(
        stability_before=f.stability_before, elapsed_days=f.elapsed_days
    )
    certain_wrong = not f.correct and f.confidence == CERTAIN
    score = corrected_score(correct=f.correct, chance=chance) if spaced else 0.0
    predicted = (f.predicted_recall or 0.0) if spaced else 0.0
    sums = {
        "answers": 1,
        "correct": int(f.correct),
        "certain_wrong": int(certain_wrong),
        "reviews": int(spaced),
        "reviews_correct": int(spaced and f.correct),
        "reviews_corrected": score,
        "reviews_predicted": predicted,
    }
    day = f.answered_at.date()
    chosen = sorted(set(f.chosen_choice_ids))
    deltas = [
        RollupDelta(
            REP_TOPIC_DAY,
            {"rep_id": f.rep_id, "topic_id": f.topic_id, "day": day},
            {"on_time": int(f.on_time), **sums},
        ),
        RollupDelta(REP_ANSWER_DAY, {"rep_id": f.rep_id, "day": day}, sums),
        RollupDelta(
            REP_QUESTION_STAT,
            {"rep_id": f.rep_id, "question_id": f.question_id},
            {
                "answers": 1,
                "correct": int(f.correct),
                "certain_wrong": int(certain_wrong),
            },
            defaults={"topic_id": f.topic_id, "first_correct": f.correct},
            latest={"last_answered_at": f.answered_at},
        ),
        # The organization's peer distribution (a question has one organization).
        RollupDelta(
            PEER_QUESTION_COUNT, {"question_id": f.question_id}, {"answers": 1}
        ),
        *(
            RollupDelta(
                PEER_CHOICE_COUNT,
                {"choice_id": choice_id},
                {"picks": 1},
                defaults={"question_id": f.question_id},
            )
            for choice_id in chosen
        ),
    ]
    if not f.correct:
        deltas += [
            RollupDelta(
                REP_CHOICE_STAT,
                {"rep_id": f.rep_id, "choice_id": choice_id},
                {"picks": 1, "certain_picks": int(certain_wrong)},
                defaults={"question_id": f.question_id},
            )
            for choice_id in sorted(set(chosen) - f.correct_choice_ids)
        ]
    if spaced:
        deltas.append(
            RollupDelta(
                REP_TOPIC_RECALL_BIN,
                {
                    "rep_id": f.rep_id,
                    "topic_id": f.topic_id,
                    "bin_start": recall_bin(f.elapsed_days),
                },
                {"reviews": 1, "corrected": score, "predicted": predicted},
            )
        )
    return deltas


def rollup_deltas_fold(deltas: Iterable[RollupDelta]) -> dict[str, dict[tuple, dict]]:
    """Sum deltas into rows: table -> key -> column values, as the upserts would.

    Increments add up, ``defaults`` keep the first answer's values and
    ``latest`` the last's (deltas come in answer order).
    """
    tables: dict[str, dict[tuple, dict]] = {}
    for delta in deltas:
        rows = tables.setdefault(delta.table, {})
        key = tuple(delta.key.items())
        row = rows.get(key)
        if row is None:
            rows[key] = {**delta.key, **delta.defaults, **delta.increments}
            row = rows[key]
        else:
            for name, value in delta.increments.items():
                row[name] += value
        row.update(delta.latest)
    return tables
