"""Refit on answers generated from known FSRS parameters.

A rep who remembers answers right and says "fairly sure" (graded Good); one
who has forgotten guesses among the 4 choices, right 1 time in 4, and says
"guess" (graded Again), as the product grades them.
"""

import datetime as dt
import random

import pytest
from django.core.management import call_command

from reinforcement.memory.scheduling import DEFAULT_PARAMETERS, Memory, MemoryModel
from reinforcement.models import Answer, MemoryModelFit, MemoryState, Prompt
from reinforcement.selectors.memory_models import organization_parameters
from reinforcement.services.memory_states import memory_state_initial
from reinforcement.services.refit import organization_refit
from tests.factories.enablement import ModuleFactory, QuestionFactory, RepProfileFactory
from tests.factories.reinforcement import answered_prompt

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
# Learners who forget a first lesson much faster than FSRS defaults assume
# (the first stabilities are what the refit fits: answer_refit.REFIT_FREE).
TRUE = list(DEFAULT_PARAMETERS)
TRUE[0:4] = [0.1, 0.3, 0.6, 2.0]


def generate_answers(organization, *, switch_to_defaults_on_day=None, seed=7, reps=30):
    """Reviews of ``reps`` reps x 12 questions over 250 days, outcomes drawn from TRUE.

    From switch_to_defaults_on_day on, outcomes follow the default parameters
    instead, so the later (hold-out) period favours the current model.
    """
    rng = random.Random(seed)
    module = ModuleFactory(methodology__organization=organization)
    questions = QuestionFactory.create_batch(12, module=module)
    team_reps = [
        RepProfileFactory(team__organization=organization).user for _ in range(reps)
    ]
    models = {"true": MemoryModel(TRUE), "default": MemoryModel(DEFAULT_PARAMETERS)}
    prompts, answers = [], []
    for rep in team_reps:
        for question in questions:
            memory = {k: Memory() for k in models}
            # Questions start all year, so the hold-out has first reviews too.
            day, last = rng.randint(0, 240), None
            while day < 250:
                regime = (
                    "default"
                    if switch_to_defaults_on_day is not None
                    and day >= switch_to_defaults_on_day
                    else "true"
                )
                model = models[regime]
                elapsed = 0 if last is None else day - last
                recalled = memory[regime].is_new or rng.random() < model.recall(
                    memory[regime].stability, elapsed
                )
                rating = 3 if recalled else 1
                correct = recalled or rng.random() < 0.25
                for k, m in models.items():
                    memory[k] = m.next_memory(memory[k], rating, elapsed)
                at = START + dt.timedelta(days=day, minutes=rng.randint(0, 600))
                prompt, answer = answered_prompt(
                    rep=rep, question=question, at=at, correct=correct,
                    recalled=recalled, rating=rating,
                    stability_after=1.0, difficulty_after=5.0,
                )  # fmt: skip
                prompts.append(prompt)
                answers.append(answer)
                last = day
                day += rng.randint(1, 40)
    Prompt.objects.bulk_create(prompts, batch_size=2000)
    Answer.objects.bulk_create(answers, batch_size=2000)
    return len(answers)


def taught_state(organization) -> MemoryState:
    """A question taught live on START and not yet answered, for the first rep."""
    rep = Answer.objects.order_by("rep_id").first().rep
    question = QuestionFactory(module__methodology__organization=organization)
    state = memory_state_initial(
        rep_id=rep.pk, question_id=question.pk, taught_on=START.date(),
        model=MemoryModel(DEFAULT_PARAMETERS), now=START,
    )  # fmt: skip
    state.save()
    return state


def test_refit_moves_toward_the_true_parameters_and_is_adopted(organization):
    """With enough reps (the gain must be significant per history), adopted."""
    assert generate_answers(organization, reps=90) > 6000
    state = taught_state(organization)
    fit = organization_refit(
        organization=organization, now=START + dt.timedelta(days=251)
    )
    assert fit.adopted, fit.note
    # Memory states are advanced again under the adopted parameters
    # (services.memory_recompute): the taught memory is the new one.
    state.refresh_from_db()
    assert state.stability == pytest.approx(
        MemoryModel(fit.parameters).taught_memory().stability
    )
    assert state.stability != pytest.approx(DEFAULT_PARAMETERS[2])
    assert fit.candidate_log_loss < fit.current_log_loss
    fitted = fit.parameters
    # Initial stability after a first "Good" moves from the default toward the truth.
    assert abs(fitted[2] - TRUE[2]) < abs(DEFAULT_PARAMETERS[2] - TRUE[2])
    # The growth of stability after a success is not fitted: it stays.
    assert fitted[8] == pytest.approx(DEFAULT_PARAMETERS[8])
    assert organization_parameters(organization_id=organization.pk) == tuple(fitted)
    assert fit.holdout_reviews > 0 and fit.train_reviews > fit.holdout_reviews
    assert fit.likelihood == MemoryModelFit.Likelihood.ANSWERS
    # The report of the hold-out: the adopted model predicts right answers
    # better than the defaults, on the same answers.
    model, default = fit.calibration["model"], fit.calibration["default"]
    assert model["answers"] == default["answers"] == fit.holdout_reviews
    assert model["log_loss"] < default["log_loss"]
    assert sum(b["answers"] for b in model["bins"]) == fit.holdout_reviews


def test_refit_is_not_adopted_when_it_loses_on_the_holdout(organization):
    """Train on one regime, hold out another that the current parameters describe."""
    generate_answers(organization, switch_to_defaults_on_day=200)
    state = taught_state(organization)
    fit = organization_refit(
        organization=organization, now=START + dt.timedelta(days=251)
    )
    assert not fit.adopted, fit.note
    state.refresh_from_db()
    assert state.stability == pytest.approx(DEFAULT_PARAMETERS[2])
    # Not significantly better per history on the hold-out (answer_refit.ADOPT_Z).
    assert fit.note.startswith("kept current parameters (gain ")
    assert (
        organization_parameters(organization_id=organization.pk) == DEFAULT_PARAMETERS
    )
    assert MemoryModelFit.objects.count() == 1  # kept, with its metrics


def test_too_few_answers_are_recorded_not_fitted(organization):
    fit = organization_refit(organization=organization, now=START)
    assert not fit.adopted and fit.note == "no answers yet"


def test_refit_models_command_prints_metrics(organization, capsys):
    generate_answers(organization, reps=90)
    call_command("refit_models", org=organization.name)
    out = capsys.readouterr().out
    assert f"{organization.name}: train" in out and "ADOPTED" in out


def test_histories_start_from_the_taught_memory_when_the_module_was_taught(
    organization,
):
    """A kickoff starts each history from the taught memory, days before the first quiz."""
    from enablement.models import Enrollment
    from reinforcement.services.refit import answer_histories
    from tests.factories.enablement import EnrollmentFactory

    generate_answers(organization, seed=3)
    rep = Answer.objects.order_by("answered_at").first().rep
    module = Answer.objects.filter(rep=rep).first().question.module
    EnrollmentFactory(module=module, team=rep.rep_profile.team, taught_on=START.date())
    taught_pairs = Answer.objects.filter(rep=rep).values("question").distinct().count()

    histories = answer_histories(organization_id=organization.pk)

    taught = [h for h in histories if h.taught]
    assert len(taught) == taught_pairs
    first_answer = Answer.objects.filter(rep=rep).order_by("answered_at").first()
    history = next(
        h for h in taught if h.reviews[0].at == first_answer.answered_at.timestamp()
    )
    assert (
        history.reviews[0].delta_days
        == (first_answer.answered_at.date() - START.date()).days
    )
    assert history.reviews[0].correct == first_answer.correct
    assert history.reviews[0].chance == 0.25  # 4 choices, single choice
    assert Enrollment.objects.count() == 1
