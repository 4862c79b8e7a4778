"""Our planner, with its refit and with the true parameters as references.

Our planner calls ``reinforcement.memory.plan_scoring.plan_choose``, the
function the production planner calls, through its module so that the
simulator always measures what production does.
"""

from dataclasses import replace

import numpy as np

from reinforcement.memory import plan_scoring, year_plan
from reinforcement.memory.answer_fit import (
    AnswerHistory,
    AnswerReview,
    answer_data,
)
from reinforcement.memory.answer_refit import likelihood_refit
from reinforcement.memory.rep_memory import answer_reps, rep_forgetting_holdout
from reinforcement.memory.scheduling import DEFAULT_PARAMETERS, MemoryModel
from reinforcement.simulation.policy_base import Policy

# Refit cadence and the time-ordered split, as the production refit does it
# (reinforcement.services.refit): the last fifth of the reviews in time is the
# hold-out, and fits on fewer items than these are noise.
REFIT_EVERY_DAYS = 30
HOLDOUT_SHARE = 0.2
MIN_TRAIN_ITEMS = 200
MIN_HOLDOUT_ITEMS = 50


class Planner(Policy):
    """Our planner: plan_scoring.plan_choose with the product's default parameters."""

    name = "planner"
    kickoff_known = True
    fill_with_new = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.setting is None:
            self.setting = plan_scoring.DEFAULT_TARGET_RETENTION
        # New questions (onboarding only: after a kickoff none is new) come at
        # the organization's default rate, as production introduces them.
        self.plan_policy = plan_scoring.PlanPolicy(
            budget=self.budget,
            new_limit=plan_scoring.DEFAULT_NEW_QUESTIONS_PER_DAY,
            target_retention=self.setting,
            fill_with_new=self.fill_with_new,
        )

    @property
    def label(self):
        return f"target_retention={self.setting:g}"

    def choose(self, r, day):
        candidates = plan_scoring.Candidates(
            stability=self.stability[r],
            difficulty=self.difficulty[r],
            elapsed_days=day - self.last[r],
            topic=self.topic,
            order=self.order,
        )
        return plan_scoring.plan_choose(self.models[r], candidates, self.plan_policy)


class PlannerNewAtRate(Planner):
    """The planner before 2026-12-01: new questions only at the daily rate, no fill."""

    name = "planner_new_at_rate"
    fill_with_new = False


class TrueParamsModels:
    """A reference policy's memory models: each rep's true parameters."""

    def _models(self, true_params):
        return [MemoryModel(w) for w in true_params]


class PlannerTrueParams(TrueParamsModels, Planner):
    """Upper reference: the planner told each rep's true memory parameters."""

    name = "planner_true_params"


class PlannerRefit(Planner):
    """The planner with parameters refit on the team's answers every 30 days.

    Uses the project's refit (``answer_refit.likelihood_refit``, as
    ``services.refit`` does): fit the likelihood of the answers on the earlier
    ones, adopt only if better on the later fifth. After an adoption the
    product's belief is recomputed from the answer log with the new
    parameters.
    """

    name = "planner_refit"
    # Memory per rep (the production policy): after each refit, every rep's
    # forgetting multiplier is fitted against the parameters then in use
    # (``memory.rep_memory``, as ``services.refit`` does, kept only if its
    # hold-out adopts it), and the rep is
    # planned and predicted with it.
    per_rep_memory = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.parameters = tuple(DEFAULT_PARAMETERS)
        self.next_refit = REFIT_EVERY_DAYS
        self.forgetting = [1.0] * self.reps
        self.refits: list[tuple[int, bool]] = []
        self.answers: dict[tuple[int, int], list[AnswerReview]] = {}

    def observe(self, r, q, day, *, correct, confidence):
        super().observe(r, q, day, correct=correct, confidence=confidence)
        history = self.answers.setdefault((r, q), [])
        # Whole days since the previous answer, or since the kickoff (day 0).
        previous = int(history[-1].at) if history else (0 if self.taught else day)
        history.append(
            AnswerReview(
                rating=self.history[r][q][-1][1],
                delta_days=day - previous,
                correct=bool(correct),
                confidence=confidence,
                chance=1.0 / self.choices,
                at=float(day),
            )
        )

    def before_day(self, day):
        if day < self.next_refit:
            return
        while self.next_refit <= day:
            self.next_refit += REFIT_EVERY_DAYS
        data = answer_data(
            [AnswerHistory(h, taught=self.taught) for h in self.answers.values()]
        )
        adopted = self._organization_refit(day, data)
        self._set_models(self._rep_models(data))
        if adopted:
            self._replay()

    def _answer_reps(self, data) -> list[int]:
        """The rep of each of the answer data's histories."""
        return answer_reps(data, [r for r, _ in self.answers])

    def _rep_models(self, data) -> list[MemoryModel]:
        """Each rep's model after a refit: the parameters now in use, with the
        rep's multiplier (variants of memory per rep override this or
        ``_multipliers``; benchmarks/rep_*_sim.py)."""
        if self.per_rep_memory:
            self.forgetting = self._multipliers(data)
        model = MemoryModel(self.parameters)
        return [model.with_forgetting(f) for f in self.forgetting]

    def _multipliers(self, data) -> list[float]:
        """Each rep's forgetting multiplier, kept only if its hold-out adopts it."""
        fits = rep_forgetting_holdout(
            data=data, rep_of_answer=self._answer_reps(data),
            parameters=self.parameters, reps=self.reps,
        )  # fmt: skip
        return [1.0 if f is None else f.forgetting for f in fits]

    def _organization_refit(self, day, data) -> bool:
        """The organization's refit; whether it adopted new parameters."""
        times = np.sort(data.at[data.observed])
        if len(times) == 0:
            self.refits.append((day, False))
            return False
        cutoff = float(times[int(len(times) * (1 - HOLDOUT_SHARE))])
        train = int(data.mask(ends_before=cutoff).sum())
        holdout = int(data.mask(ends_from=cutoff).sum())
        if train < MIN_TRAIN_ITEMS or holdout < MIN_HOLDOUT_ITEMS:
            self.refits.append((day, False))
            return False
        result = likelihood_refit(current=self.parameters, data=data, cutoff=cutoff)
        self.refits.append((day, result.adopted))
        if result.adopted:
            self.parameters = tuple(result.parameters)
        return result.adopted

    def _replay(self):
        # From the kickoff's taught memory under the new parameters, if any.
        self._belief_start()
        for r, rep in enumerate(self.history):
            for q, h in enumerate(rep):
                for day, rating in h:
                    self._advance(r, q, day, rating)


class PlannerRefitOrg(PlannerRefit):
    """planner_refit without memory per rep: the organization's model only."""

    name = "planner_refit_org"
    per_rep_memory = False


# Item 3 of issue 14 (experiment): plan the rest of the year after the kickoff.
YEAR_DAYS = 365
YEAR_MIN_HORIZON_DAYS = 60.0


class PlannerYear(Planner):
    """The planner valuing a review over the rest of the kickoff's year.

    A review's gain is counted in recall-days to the end of the year after the
    kickoff (at least YEAR_MIN_HORIZON_DAYS) instead of over a rolling 60
    days, against the same price per review (the value floor times 60 days),
    so an early review of a fragile memory is credited for every day it still
    helps, and a late one only for the days left.
    """

    name = "planner_year"

    def choose(self, r, day):
        horizon = max(YEAR_DAYS - day, YEAR_MIN_HORIZON_DAYS)
        if self.plan_policy.horizon_days != horizon:
            base = plan_scoring.PlanPolicy(
                budget=self.budget, new_limit=0, target_retention=self.setting
            )
            self.plan_policy = replace(
                self.plan_policy,
                horizon_days=horizon,
                min_gain=base.value_floor * base.horizon_days / horizon,
            )
        return super().choose(r, day)


# The budget look-ahead checks the backlog these many days ahead; this share of
# calendar days carry a dose.
LOOK_AHEAD_DAYS = (7, 14, 21, 28)
WORKING_SHARE = 5 / 7


class PlannerLookAhead(Planner):
    """The planner with a look-ahead of the budget (issue 14, tried).

    When today's dose has free slots and more reviews will pass the value floor
    within a few weeks than the doses until then can hold, the free slots take
    the reviews due soonest, so a kickoff's first pass starts before the whole
    module falls due at once.
    """

    name = "planner_lookahead"

    def choose(self, r, day):
        chosen = super().choose(r, day)
        free = self.budget - len(chosen)
        if free <= 0:
            return chosen
        candidates = plan_scoring.Candidates(
            stability=self.stability[r],
            difficulty=self.difficulty[r],
            elapsed_days=day - self.last[r],
            topic=self.topic,
            order=self.order,
        )
        pulled = backlog_pull(self.models[r], candidates, chosen, self.plan_policy)
        return chosen + [int(i) for i in pulled[:free]]


def backlog_pull(model, candidates, chosen, policy):
    """The reviews due soonest, if the coming doses cannot hold what falls due.

    For each look-ahead of k days the doses before then hold ``cap`` reviews;
    if the candidate ranked ``cap`` by its recall in k days would already pass
    the value floor then (the gain grows as recall falls, so every lower one
    would too), the backlog is real and the soonest due are asked now. One
    exact score per look-ahead.
    """
    left = np.array(
        [i for i in np.flatnonzero(~candidates.is_new) if int(i) not in chosen],
        dtype=int,
    )
    for days in LOOK_AHEAD_DAYS:
        cap = policy.budget * int(days * WORKING_SHARE)
        if len(left) <= cap:
            break
        later = model.recall(
            candidates.stability[left], candidates.elapsed_days[left] + days
        )
        order = left[np.argsort(later, kind="stable")]
        shifted = replace(candidates, elapsed_days=candidates.elapsed_days + days)
        gain = plan_scoring.review_gains(model, shifted, order[cap : cap + 1], policy)
        if gain[0] > policy.value_floor:
            return order
    return np.empty(0, dtype=int)


# Item 3 of issue 14 (experiment): a per-question review schedule over the
# year, the daily cap shared by an assignment (reinforcement.memory.year_plan).
SCHEDULE_END_WEIGHT = 150.0
SCHEDULE_DEFAULT_PRICE = 44.0
SCHEDULE_GATE = 0.7
_TABLES: dict = {}


class PlannerSchedule(Planner):
    """Each question's next review from the year's value table, the cap assigned.

    ``setting`` is the price of a review in recall-days (the workload knob).
    """

    name = "planner_schedule"
    end_weight = SCHEDULE_END_WEIGHT
    min_recall = 0.0

    def __init__(self, **kwargs):
        if kwargs.get("setting") is None:
            kwargs["setting"] = SCHEDULE_DEFAULT_PRICE
        super().__init__(**kwargs)
        working = np.array([d % 7 < 5 and d != 0 for d in range(YEAR_DAYS + 1)])
        self.tables = {}
        for model in {id(m): m for m in self.models}.values():
            key = (
                model.parameters, model.factor, self.setting, self.end_weight,
                self.min_recall,
            )  # fmt: skip
            if key not in _TABLES:
                _TABLES[key] = year_plan.year_table(
                    model, price=self.setting, end_weight=self.end_weight,
                    horizon=YEAR_DAYS, working=working, min_recall=self.min_recall,
                )  # fmt: skip
            self.tables[id(model)] = _TABLES[key]

    @property
    def label(self):
        return f"price={self.setting:g},end={self.end_weight:g}"

    def choose(self, r, day):
        reviewed = np.flatnonzero(~np.isnan(self.stability[r]))
        picked = year_plan.year_choose(
            self.tables[id(self.models[r])],
            stability=self.stability[r, reviewed],
            difficulty=self.difficulty[r, reviewed],
            last_day=self.last[r, reviewed],
            today=day,
            budget=self.budget,
        )
        chosen = [int(reviewed[i]) for i in picked]
        new = np.flatnonzero(np.isnan(self.stability[r]))
        chosen += [int(i) for i in new[: self.budget - len(chosen)]]
        return plan_scoring.interleave_topics(chosen, self.topic)


class PlannerScheduleGated(PlannerSchedule):
    """planner_schedule where no review may wait past predicted recall 0.7."""

    name = "planner_schedule_gated"
    min_recall = SCHEDULE_GATE


class PlannerScheduleTrueParams(TrueParamsModels, PlannerSchedule):
    """Reference: planner_schedule told each rep's true memory parameters."""

    name = "planner_schedule_true_params"
