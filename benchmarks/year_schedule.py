"""Item 3 of issue 14: the year's review schedule against Qstream and the planner.

``python benchmarks/year_schedule.py --seed 0 [--reps 200] [--workers 2]``
runs Qstream Classic, the planner at three targets and ``planner_schedule``
at several prices on the same reps (post-training, 60 questions, 4 choices,
365 days, 3 a working day), then prints each setting's workload and true
retention, and the planner's and Qstream's figures at each schedule's
workload (the planner interpolated between its targets). Figures:
docs/benchmarks.md, "Item 3".
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from reinforcement.simulation.learners import DEFAULT_LEARNERS_PATH  # noqa: E402
from reinforcement.simulation.runner import (  # noqa: E402
    SETTINGS,
    SimulationConfig,
    simulate,
)

PLANNER_TARGETS = (0.76, 0.8, 0.85)
PRICES = (35.0, 40.0, 45.0, 50.0)
MARK_DAYS = (5, 20, 45, 90, 120, 180, 270, 365)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--learners", default=str(DEFAULT_LEARNERS_PATH))
    parser.add_argument("--prices", default=",".join(f"{p:g}" for p in PRICES))
    parser.add_argument(
        "--policies", default="qstream_classic,planner,planner_schedule"
    )
    args = parser.parse_args()
    settings = dict(SETTINGS)
    settings["planner"] = PLANNER_TARGETS
    prices = tuple(float(p) for p in args.prices.split(","))
    for name in ("planner_schedule", "planner_schedule_gated"):
        settings[name] = prices
    settings["planner_schedule_true_params"] = prices
    config = SimulationConfig(
        reps=args.reps, seed=args.seed, workers=args.workers,
        learners=args.learners, settings=settings,
        policies=tuple(args.policies.split(",")),
    )  # fmt: skip
    started = time.perf_counter()
    result = simulate(config)
    print(f"{time.perf_counter() - started:.1f} s, loadavg {os.getloadavg()}")
    print("| Policy | Setting | Questions | Time-averaged | Day 365 | " + " | ".join(
        f"d{d}" for d in MARK_DAYS) + " |")  # fmt: skip
    for p in result.policies:
        marks = " | ".join(f"{p.daily_true_retention[d - 1]:.2f}" for d in MARK_DAYS)
        print(
            f"| {p.name} | {p.setting} | {p.questions_per_rep:.1f} | "
            f"{p.time_avg_true_retention:.1%} | {p.final_true_retention:.1%} | {marks} |"
        )
    planner = sorted(
        (p for p in result.policies if p.name == "planner"),
        key=lambda p: p.questions_per_rep,
    )
    qs = [p.questions_per_rep for p in planner]
    qstream = result.find("qstream_classic")
    for p in result.policies:
        if not p.name.startswith("planner_schedule") or not planner or not qstream:
            continue
        avg = np.interp(
            p.questions_per_rep, qs, [x.time_avg_true_retention for x in planner]
        )
        end = np.interp(
            p.questions_per_rep, qs, [x.final_true_retention for x in planner]
        )
        print(
            f"{p.setting}: {p.questions_per_rep / qstream.questions_per_rep - 1:+.0%} "
            f"questions vs Qstream; vs Qstream {100 * (p.time_avg_true_retention - qstream.time_avg_true_retention):+.1f} / "
            f"{100 * (p.final_true_retention - qstream.final_true_retention):+.1f} pp; "
            f"vs planner at equal workload {100 * (p.time_avg_true_retention - avg):+.1f} / "
            f"{100 * (p.final_true_retention - end):+.1f} pp (time-averaged / day 365)"
        )


if __name__ == "__main__":
    main()
