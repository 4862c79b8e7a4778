"""A small simulation: the planner beats Qstream Classic, results repeat, and
the simulator runs the service's own planner and memory model."""

import pytest

from reinforcement.memory import plan_scoring
from reinforcement.memory.scheduling import MemoryModel
from reinforcement.simulation.learners import learners_load
from reinforcement.simulation.report import result_json, result_markdown
from reinforcement.simulation.runner import SimulationConfig, simulate


def small_config(learners_file, **overrides):
    values = dict(
        reps=20,
        questions=30,
        days=365,
        budget=3,
        choices=4,
        seed=7,
        policies=("qstream_classic", "planner"),
        # 0.72 lands just under Qstream Classic's workload on this small team
        # now that the planner knows about the kickoff (0.75 asks more).
        settings={"planner": (0.7, 0.72, 0.8)},
        learners=learners_file,
        workers=1,
    )
    values.update(overrides)
    return SimulationConfig(**values)


@pytest.fixture(scope="module")
def small_result(tmp_path_factory):
    from tests.reinforcement.simulation.conftest import LEARNER_PARAMETERS

    path = tmp_path_factory.mktemp("learners") / "learners.jsonl"
    import json

    path.write_text(
        "".join(json.dumps({"w": list(w)}) + "\n" for w in LEARNER_PARAMETERS)
    )
    return simulate(small_config(path))


def test_planner_held_to_qstream_workload_retains_more(small_result):
    """At no more questions than Qstream Classic, the planner ends higher."""
    qstream = small_result.find("qstream_classic")
    within = [
        p
        for p in small_result.policies
        if p.name == "planner" and p.questions_per_rep <= qstream.questions_per_rep
    ]
    assert within, "no planner setting within Qstream Classic's workload"
    best = max(within, key=lambda p: p.final_true_retention)
    assert best.final_true_retention > qstream.final_true_retention


def test_same_seed_gives_same_numbers(small_result, learners_file):
    again = simulate(small_config(learners_file))
    first, second = result_json(small_result), result_json(again)
    first.pop("seconds"), second.pop("seconds")
    assert first == second


def test_report_lists_every_policy_in_the_issue_json_shape(small_result):
    data = result_json(small_result)
    assert [p["name"] for p in data["policies"]] == ["qstream_classic"] + [
        "planner"
    ] * 3
    assert set(data["policies"][0]) >= {
        "name",
        "setting",
        "questions_per_rep",
        "time_avg_true_retention",
        "final_true_retention",
    }
    assert set(data["policies"][1]) >= {"log_loss", "truth_log_loss", "rmse_bins"}
    assert set(data["calibration"]) >= {
        "max_team_abs_error_pp",
        "log_loss",
        "truth_log_loss",
        "rmse_bins",
    }
    # The calibration block is the planner's default setting (no refit in this run).
    planner = next(
        p for p in data["policies"] if p["setting"] == "target_retention=0.8"
    )
    assert data["calibration"]["truth_log_loss"] == planner["truth_log_loss"]
    assert 0 < planner["truth_log_loss"] < 1
    assert "| qstream_classic |" in result_markdown(small_result)


def test_simulator_plans_with_the_services_plan_choose(monkeypatch, learners_file):
    """Replacing the service's plan_choose changes what the simulated planner does."""
    calls = []

    def ask_nothing(model, candidates, policy):
        calls.append(len(candidates))
        return []

    monkeypatch.setattr(plan_scoring, "plan_choose", ask_nothing)
    result = simulate(
        small_config(learners_file, reps=2, days=10, policies=("planner",))
    )
    assert calls and set(calls) == {30}
    assert all(p.questions_per_rep == 0 for p in result.policies)


def test_simulator_advances_memory_with_the_services_memory_model(
    monkeypatch, learners_file
):
    calls = []
    # next_memory is next_state on a Memory; the answer loop calls next_state.
    original = MemoryModel.next_state

    def counting(self, stability, difficulty, rating, elapsed_days):
        calls.append(rating)
        return original(self, stability, difficulty, rating, elapsed_days)

    monkeypatch.setattr(MemoryModel, "next_state", counting)
    result = simulate(
        small_config(learners_file, reps=2, days=10, policies=("planner",), settings={})
    )
    asked = round(result.policies[0].questions_per_rep * 2)
    # One true update and one product update per answer, beyond set-up calls.
    assert len(calls) >= 2 * asked > 0


def test_missing_learners_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="pass --learners"):
        learners_load(tmp_path / "absent.jsonl")


def test_unknown_policy_is_rejected():
    with pytest.raises(ValueError, match="unknown policies"):
        SimulationConfig(policies=("anki_magic",))


def test_team_kpi_is_mean_predicted_recall_over_introduced_questions():
    """As the product's snapshots compute it: never-answered questions don't count."""
    import numpy as np

    from reinforcement.simulation.runner import kpi_pair

    class Belief:
        stability = np.array([[5.0, np.nan], [np.nan, np.nan], [2.0, 3.0]])

    belief = np.array([[0.9, 0.5], [0.5, 0.5], [0.6, 0.9]])
    truth = np.array([[0.8, 0.0], [0.0, 0.0], [0.5, 0.8]])
    predicted, true = kpi_pair(Belief, belief, truth)
    assert predicted == pytest.approx((0.9 + 0.6 + 0.9) / 3)
    assert true == pytest.approx((0.8 + 0.5 + 0.8) / 3)

    class Nothing:
        stability = np.full((2, 2), np.nan)

    assert all(np.isnan(kpi_pair(Nothing, belief[:2, :2], truth[:2, :2])))


def test_simulator_starts_the_planner_from_the_services_taught_memory(
    monkeypatch, learners_file
):
    """After a kickoff the planner's belief is the service's taught memory.

    With an unforgettable kickoff (as the service would report it) the planner
    has nothing worth asking; a simulator that introduced never-asked
    questions as new instead would ask them.
    """
    from reinforcement.memory.scheduling import Memory

    calls = []

    def taught(self):
        calls.append(self)
        return Memory(10_000.0, 5.0)

    monkeypatch.setattr(MemoryModel, "taught_memory", taught)
    result = simulate(
        small_config(learners_file, reps=2, days=30, policies=("planner",), settings={})
    )
    assert calls
    assert result.policies[0].questions_per_rep == 0


def test_planner_belief_starts_taught_after_a_kickoff_and_new_in_onboarding():
    import numpy as np

    from enablement.models import Organization
    from reinforcement.simulation.baselines import QstreamClassic
    from reinforcement.simulation.planners import Planner, PlannerRefit
    from tests.reinforcement.simulation.conftest import LEARNER_PARAMETERS

    def make(cls, *, taught):
        return cls(
            reps=1,
            questions=4,
            budget=3,
            true_params=LEARNER_PARAMETERS[:1],
            topic=np.zeros(4, dtype=int),
            taught_on_day_zero=taught,
        )

    taught = MemoryModel().taught_memory()
    planner = make(Planner, taught=True)
    assert np.all(planner.stability == taught.stability)
    assert np.all(planner.difficulty == taught.difficulty)
    assert np.all(planner.last == 0)
    # Onboarding: every question is new, introduced at the organization's rate.
    onboarding = make(Planner, taught=False)
    assert np.isnan(onboarding.stability).all()
    assert onboarding.plan_policy.new_limit == (
        Organization._meta.get_field("new_questions_per_day").default
    )
    # The baselines keep their published rules: nothing known before asking.
    assert np.isnan(make(QstreamClassic, taught=True).stability).all()

    # A refit replays the answers from the taught memory under the new parameters.
    refit = make(PlannerRefit, taught=True)
    refit.observe(0, 0, 12, correct=True, confidence="fairly_sure")
    new = MemoryModel(LEARNER_PARAMETERS[1])
    refit._set_models([new])
    refit._replay()
    after = new.next_memory(new.taught_memory(), 3, 12)
    assert refit.stability[0, 0] == pytest.approx(after.stability)
    assert np.all(refit.stability[0, 1:] == new.taught_memory().stability)


def test_simulator_runs_without_django(learners_file):
    """The simulator and its report load no Django and, of the apps, only memory."""
    import subprocess
    import sys
    from pathlib import Path

    script = f"""
import sys
from reinforcement.simulation.report import result_json, targets_check
from reinforcement.simulation.runner import SimulationConfig, simulate
result = simulate(SimulationConfig(
    reps=2, questions=4, days=10, learners={str(learners_file)!r}, workers=1,
    policies=("none", "qstream_classic", "planner", "planner_refit"),
))
result_json(result)
targets_check(result)
outside = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("django", "enablement", "config")
    or (m.startswith("reinforcement.")
        and not m.startswith(("reinforcement.memory", "reinforcement.simulation")))
)
print(outside)
"""
    root = Path(__file__).resolve().parents[3]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_right_answer_probability_and_log_loss_on_a_known_case():
    """r + (1 - r) c, and the summed log loss, worked by hand for four answers."""
    import math

    import numpy as np

    from reinforcement.simulation.runner import log_loss_sum, right_probability

    p = right_probability(np.array([0.0, 0.5, 0.8, 1.0]), 0.25)
    assert p == pytest.approx([0.25, 0.625, 0.85, 1 - 1e-6])
    loss = log_loss_sum(p, np.array([0.0, 1.0, 0.0, 1.0]))
    expected = -(math.log(0.75) + math.log(0.625) + math.log(0.15) + math.log(1 - 1e-6))
    assert loss == pytest.approx(expected)


def test_log_losses_count_answers_from_day_60_for_the_product_and_the_truth():
    """A policy's log loss and the true model's are over the same day-60+ answers."""
    import math

    import numpy as np

    from reinforcement.simulation.runner import _combine, _policy_metrics, _Trace

    class Answered:
        reps, label, asked, stability = 1, "", np.array([3]), np.ones((1, 1))

    trace = _Trace.empty(100)
    # Day 59 does not count; the two answers of days 60 and 61 do.
    trace.answer_day = [59, 60, 61]
    trace.predicted = [0.0, 0.6, 0.2]
    trace.true_recall = [1.0, 0.8, 0.0]
    trace.observed = [False, True, False]
    config = SimulationConfig(days=100, choices=4)
    part = _policy_metrics(config, Answered, trace, np.ones((1, 1)))
    result = _combine(("planner", 0.8), [part])
    product = -(math.log(0.6 + 0.4 * 0.25) + math.log(1 - (0.2 + 0.8 * 0.25))) / 2
    truth = -(math.log(0.8 + 0.2 * 0.25) + math.log(0.75)) / 2
    assert result.log_loss == pytest.approx(product)
    assert result.truth_log_loss == pytest.approx(truth)


def test_figure_equals_truth_when_the_product_knows_true_memory_and_grades():
    """The team figure and the truth it is judged against are computed alike.

    In onboarding, a product told each rep's true parameters and recording the
    grade the rep truly earned (Good when they recalled, else Again) holds the
    true memory, so its team figure equals the truth every day from day 60 (same
    recall formula, elapsed days and moments); with its own rating map (a
    recalled answer the rep calls a guess is graded Again) it does not.
    """
    import numpy as np

    from reinforcement.memory.scheduling import Rating
    from reinforcement.simulation import runner
    from reinforcement.simulation.parallel import team_draws
    from reinforcement.simulation.planners import PlannerTrueParams
    from reinforcement.simulation.truth import TeamTruth
    from tests.reinforcement.simulation.conftest import LEARNER_PARAMETERS

    class Truth(TeamTruth):
        def answer(self, r, q, day, **kwargs):
            self.recalled = kwargs["u_recall"] < kwargs["true_recall"]
            return super().answer(r, q, day, **kwargs)

    class ToldTheGrade(PlannerTrueParams):
        def observe(self, r, q, day, *, correct, confidence):
            own = self.rating_map
            grade = Rating.GOOD if self.truth.recalled else Rating.AGAIN
            self.rating_map = dict.fromkeys(own, grade)
            super().observe(r, q, day, correct=correct, confidence=confidence)
            self.rating_map = own

    config = SimulationConfig(reps=5, questions=12, days=120, scenario="onboarding")
    errors = {}
    for policy_class in (ToldTheGrade, PlannerTrueParams):
        truth = Truth(LEARNER_PARAMETERS, 12, taught_on_day_zero=False)
        policy = policy_class(
            reps=5, questions=12, budget=3, true_params=LEARNER_PARAMETERS,
            topic=np.arange(12) // 2, taught_on_day_zero=False, setting=0.8,
        )  # fmt: skip
        policy.truth = truth
        draws = team_draws(config.seed, 0, 5, config.days, config.questions)
        metrics = runner._policy_simulate(config, policy, truth, draws)
        errors[policy_class] = metrics["team_error_pp"]
    assert errors[ToldTheGrade] == pytest.approx(0.0, abs=1e-9)
    assert errors[PlannerTrueParams] > 0.1
