"""How long the nightly refit's fit takes for an organization with N answers.

Simulates answers from known FSRS-6 parameters (tests/reinforcement/memory/
answer_sim.py: taught (rep, question) histories of 2-8 answers, guesses right
1 time in 4), then times one vectorized forward pass, the answer-likelihood
fit (``answer_fit.likelihood_fit``) and the whole refit as the service runs it
(fit on the earlier 80%, score both on the later 20%: ``likelihood_refit``),
then each rep's forgetting multiplier with its hold-out (``rep_memory``, dealt to
500 reps), with FSRS's own optimizer on the grades beside it for scale. No database:
the fit is pure; reading the answers is the service's other cost.

Usage: .venv/bin/python benchmarks/refit_fit.py [--answers 100000] [--seed 0]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reinforcement.memory import fsrs_forward  # noqa: E402
from reinforcement.memory.answer_fit import (  # noqa: E402
    answer_data,
    likelihood_fit,
)
from reinforcement.memory.answer_refit import likelihood_refit  # noqa: E402
from reinforcement.memory.rep_memory import (  # noqa: E402
    answer_reps,
    rep_forgetting_holdout,
)
from reinforcement.memory.scheduling import (  # noqa: E402
    DEFAULT_PARAMETERS,
    Review,
    history_with_teaching,
    parameters_fit,
    training_items,
)
from tests.reinforcement.memory.answer_sim import TRUE, answers_simulate  # noqa: E402

REPS = 500  # the histories are dealt to this many reps for the per-rep fit


def timed(label, fn):
    # Wall time and this process's CPU time: on a shared machine the first
    # includes waiting for a core, the second is what the fit itself costs.
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    print(
        f"{label}: {time.perf_counter() - wall:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU"
    )
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    histories = answers_simulate(histories=args.answers // 5, seed=args.seed)
    data = answer_data(histories)
    answers = sum(len(h.reviews) for h in histories)
    print(f"{answers} answers in {len(histories)} (rep, question) histories")
    batch = np.tile(np.array(DEFAULT_PARAMETERS), (22, 1))
    timed(
        "forward pass, 22 parameter vectors (one gradient)",
        lambda: fsrs_forward.recall_flat(batch, data.packed),
    )
    fit = timed(
        "answer-likelihood fit, all answers",
        lambda: likelihood_fit(data, start=DEFAULT_PARAMETERS, mask=data.observed),
    )
    print(f"  {fit.iterations} L-BFGS-B iterations ({fit.message})")
    times = np.sort(data.at[data.observed])
    cutoff = float(times[int(len(times) * 0.8)])
    result = timed(
        "refit as the service runs it (fit 80%, score 20%)",
        lambda: likelihood_refit(current=DEFAULT_PARAMETERS, data=data, cutoff=cutoff),
    )
    print(
        f"  adopted {result.adopted}: hold-out log loss {result.current.log_loss:.4f}"
        f" -> {result.candidate.log_loss:.4f}"
    )
    gap = np.abs(
        fsrs_forward.recall_flat(fit.parameters, data.packed)[0, data.observed]
        - fsrs_forward.recall_flat(TRUE, data.packed)[0, data.observed]
    ).mean()
    print(f"  mean |recall - true recall| of the fit: {gap:.4f}")
    reps = np.arange(len(histories)) % REPS
    timed(
        f"memory per rep: {REPS} reps' forgetting multipliers with their hold-out "
        "(rep_memory)",
        lambda: rep_forgetting_holdout(
            data=data,
            rep_of_answer=answer_reps(data, reps),
            parameters=DEFAULT_PARAMETERS,
            reps=REPS,
        ),
    )
    items = training_items(
        [
            history_with_teaching(
                [Review(r.rating, r.delta_days) for r in h.reviews],
                days_before_first=h.reviews[0].delta_days,
                at=0.0,
            )
            for h in histories
        ]
    )
    timed(
        "for scale: FSRS's optimizer on the grades (the refit before)",
        lambda: parameters_fit(items, start=DEFAULT_PARAMETERS),
    )


if __name__ == "__main__":
    main()
