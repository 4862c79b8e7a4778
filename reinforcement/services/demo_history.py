"""A few months of simulated answers for the demo organization, so KPIs are not empty.

Runs the real planner and answer service day by day with explicit ``now=``
values. The simulated reps differ: some are weaker, some skip days, a few hold
confident misconceptions, and one question is deliberately broken (its keyed
answer is disputable, so strong reps pick another choice).
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction

from enablement.models import Organization, Question, RepProfile
from enablement.services.demo import DEMO_ORGANIZATION
from reinforcement.models import Answer, Delivery, Prompt
from reinforcement.services.answers import answer_submit
from reinforcement.services.planning import plans_create
from reinforcement.services.prompts import prompts_expire
from reinforcement.services.rollups.participation import participation_refresh
from reinforcement.services.rollups.rebuild import rollups_rebuild
from reinforcement.services.rollups.snapshots import snapshots_refresh
from reinforcement.signals import demo_history_seeded

HISTORY_DAYS = 90
# Share of days each kind of rep answers; cycled over the reps of a team.
ATTENDANCE = (0.97, 0.92, 0.85, 0.95, 0.6, 0.9, 0.75, 0.98, 0.88, 0.5, 0.93)
# How well each rep learns (1 strong .. 0.5 weak); cycled likewise.
SKILL = (0.95, 0.7, 0.85, 0.55, 0.9, 0.8, 0.6, 1.0, 0.75, 0.65, 0.85)
MISCONCEPTION_QUESTIONS = 3
# Share of reps who hold each misconception.
MISCONCEIVED_SHARE = 0.4


@dataclass
class HistorySummary:
    skipped: bool
    days: int = 0
    answers: int = 0
    broken_question: str = ""
    misconception_questions: tuple[str, ...] = ()


@dataclass
class _Learner:
    rep_id: int
    skill: float
    attendance: float
    hired_on: dt.date | None


@dataclass
class _Simulation:
    """The simulated reps and questions, and the one random stream they draw from."""

    rng: random.Random
    learners: dict[int, _Learner]
    broken_id: int | None
    # The wrong choice a misconceived rep (or a strong rep, on the broken
    # question) picks.
    wrong_choice: dict[int, int]
    # Question -> the reps who hold its misconception.
    misconceived: dict[int, set[int]]
    # Question -> (right choice ids, wrong choice ids), read once.
    choices: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)


def demo_history_seed(
    *, today: dt.date, days: int = HISTORY_DAYS, seed: int = 7
) -> HistorySummary:
    """Simulate ``days`` days of plans and answers for the demo reps; once only.

    Does nothing when the demo organization already has answers. Returns what
    was simulated.
    """
    organization = Organization.objects.get(name=DEMO_ORGANIZATION)
    if Answer.objects.filter(
        question__module__methodology__organization=organization
    ).exists():
        return HistorySummary(skipped=True)
    questions = _simulated_questions(organization)
    broken = questions[0] if questions else None
    traps = questions[1 : 1 + MISCONCEPTION_QUESTIONS]
    simulation = _simulation_cast(
        organization, rng=random.Random(seed), broken=broken, traps=traps
    )
    summary = HistorySummary(
        skipped=False,
        broken_question=broken.key if broken else "",
        misconception_questions=tuple(q.key for q in traps),
    )
    for offset in range(days, 0, -1):
        summary.answers += _day_simulate(
            simulation, day=today - dt.timedelta(days=offset)
        )
        summary.days += 1
    rollups_rebuild(rep_ids=list(simulation.learners))
    participation_refresh(days={today - dt.timedelta(days=d) for d in range(days + 4)})
    # The revenue app simulates the demo's CRM on these answers.
    demo_history_seeded.send(
        sender=demo_history_seed,
        organization_id=organization.pk,
        today=today,
        days=days,
        seed=seed,
    )
    return summary


def demo_rep_skills(organization: Organization) -> dict[int, float]:
    """rep id -> how well the simulated rep learns (the demo's true recall is
    the model's prediction to the power 0.8 / skill, as ``_answer`` draws it)."""
    profiles = RepProfile.objects.filter(team__organization=organization)
    return {
        user_id: SKILL[i % len(SKILL)]
        for i, user_id in enumerate(
            profiles.order_by("user_id").values_list("user_id", flat=True)
        )
    }


def _simulated_questions(organization: Organization) -> list[Question]:
    """The published single-choice questions of the module every demo team takes."""
    return list(
        Question.objects.filter(
            module__methodology__organization=organization,
            status=Question.Status.PUBLISHED,
            kind=Question.Kind.SINGLE_CHOICE,
            module__key="discovery-foundations",  # every demo team is enrolled
        ).order_by("key")
    )


def _simulation_cast(
    organization: Organization,
    *,
    rng: random.Random,
    broken: Question | None,
    traps: list[Question],
) -> _Simulation:
    """Give each demo rep a skill and an attendance, and some of them misconceptions."""
    profiles = list(
        RepProfile.objects.filter(team__organization=organization).order_by("user_id")
    )
    skills = demo_rep_skills(organization)
    learners = {
        p.user_id: _Learner(
            p.user_id,
            skills[p.user_id],
            ATTENDANCE[i % len(ATTENDANCE)],
            p.hired_on,
        )
        for i, p in enumerate(profiles)
    }
    wrong_choice = {
        q.pk: q.choices.filter(is_correct=False).order_by("position").first().pk
        for q in [*traps, *([broken] if broken else [])]
    }
    misconceived = {
        q.pk: {r for r in learners if rng.random() < MISCONCEIVED_SHARE} for q in traps
    }
    return _Simulation(
        rng=rng,
        learners=learners,
        broken_id=broken.pk if broken else None,
        wrong_choice=wrong_choice,
        misconceived=misconceived,
    )


def _day_simulate(simulation: _Simulation, *, day: dt.date) -> int:
    """Plan, deliver and answer one day's prompts, expire, snapshot; returns answers."""
    rng = simulation.rng
    # One transaction per simulated day: far fewer commits (fsyncs) on SQLite.
    with transaction.atomic():
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        active = [
            r for r, learner in simulation.learners.items()
            if learner.hired_on is None or learner.hired_on <= day
        ]  # fmt: skip
        outcomes = plans_create(rep_ids=active, now=noon, ignore_delivery_hour=True)
        plan_ids = [o.plan_id for o in outcomes if o.plan_id]
        # The in-app inbox is the delivery here; email and Slack are not simulated,
        # and their outbox rows are closed so the sweeper sends no past day.
        Prompt.objects.filter(
            plan_id__in=plan_ids, status=Prompt.Status.PLANNED
        ).update(status=Prompt.Status.DELIVERED, delivered_at=noon)
        Delivery.objects.filter(plan_id__in=plan_ids).update(
            status=Delivery.Status.SENT, sent_at=noon, attempts=1, next_attempt_at=None
        )
        prompts = Prompt.objects.filter(plan_id__in=plan_ids).values_list(
            "pk", "rep_id", "question_id", "predicted_recall"
        )
        skipping = {
            r for r in active if rng.random() > simulation.learners[r].attendance
        }
        answered = 0
        for prompt_id, rep_id, question_id, predicted in prompts:
            if rep_id in skipping:
                continue
            picked, confidence = _answer(simulation, rep_id, question_id, predicted)
            answer_submit(
                rep_id=rep_id, prompt_id=prompt_id, choice_ids=picked,
                confidence=confidence, idempotency_key=f"demo-{prompt_id}",
                now=noon + dt.timedelta(minutes=rng.randint(5, 400)),
                refresh_inline=False,  # rebuilt at the end, in bulk
            )  # fmt: skip
            answered += 1
        prompts_expire(now=noon)
        snapshots_refresh(rep_ids=active, now=noon + dt.timedelta(hours=11))
    return answered


def _question_choices(
    simulation: _Simulation, question_id: int
) -> tuple[list[int], list[int]]:
    """The question's right and wrong choice ids, in position order (read once)."""
    if question_id not in simulation.choices:
        rows = list(
            Question.objects.get(pk=question_id)
            .choices.order_by("position")
            .values_list("pk", "is_correct")
        )
        simulation.choices[question_id] = (
            [pk for pk, ok in rows if ok],
            [pk for pk, ok in rows if not ok],
        )
    return simulation.choices[question_id]


def _answer(
    simulation: _Simulation, rep_id: int, question_id: int, predicted: float | None
) -> tuple[list[int], str]:
    """What the simulated rep picks, and how sure they say they are."""
    rng, learner = simulation.rng, simulation.learners[rep_id]
    right, wrong = _question_choices(simulation, question_id)
    recall = predicted if predicted is not None else 0.3 + 0.5 * learner.skill
    # A rep of skill 0.8 remembers what the model predicts; weaker reps less.
    knows = rng.random() < recall ** (0.8 / learner.skill)
    if (
        question_id == simulation.broken_id
        and learner.skill >= 0.8
        and rng.random() < 0.75
    ):
        return [simulation.wrong_choice[question_id]], "fairly_sure"
    if rep_id in simulation.misconceived.get(question_id, ()) and rng.random() < 0.8:
        return [simulation.wrong_choice[question_id]], "certain"
    if knows:
        return right, rng.choices(
            ["certain", "fairly_sure", "guess"], weights=[5, 4, 1]
        )[0]
    options = right + wrong
    return [rng.choice(options)], rng.choices(
        ["guess", "fairly_sure", "certain"], weights=[6, 3, 1]
    )[0]
