"""Run the scheduling simulator and write its results table (see issue 6)."""

import json
import shlex
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reinforcement.simulation.learners import DEFAULT_LEARNERS_PATH
from reinforcement.simulation.report import (
    result_json,
    result_markdown,
    retention_chart_svg,
)
from reinforcement.simulation.runner import (
    EXPERIMENT_NAMES,
    POLICY_NAMES,
    SCENARIOS,
    SimulationConfig,
    simulate,
)


class Command(BaseCommand):
    help = "Simulate reps and compare the planner with published schedulers."

    def add_arguments(self, parser):
        parser.add_argument("--learners", default=str(DEFAULT_LEARNERS_PATH))
        parser.add_argument("--reps", type=int, default=200)
        parser.add_argument("--questions", type=int, default=60)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--budget", type=int, default=3)
        parser.add_argument("--choices", type=int, default=4)
        parser.add_argument("--scenario", choices=SCENARIOS, default="post-training")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--policies",
            default=",".join(POLICY_NAMES),
            help=f"comma-separated, from {', '.join(POLICY_NAMES)} (the default: "
            f"all of them) and the experiments {', '.join(EXPERIMENT_NAMES)}",
        )
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--rating-map",
            help="try another answer-to-rating mapping, e.g. "
            "wrong=1,guess=1,fairly_sure=3,certain=4 (1 Again .. 4 Easy)",
        )
        parser.add_argument("--json", dest="json_path")
        parser.add_argument("--markdown", dest="markdown_path")
        parser.add_argument("--chart", dest="chart_path", help="SVG of retention")

    def handle(self, *args, **options):
        try:
            config = SimulationConfig(
                reps=options["reps"],
                questions=options["questions"],
                days=options["days"],
                budget=options["budget"],
                choices=options["choices"],
                scenario=options["scenario"],
                seed=options["seed"],
                policies=tuple(
                    p.strip() for p in options["policies"].split(",") if p.strip()
                ),
                learners=options["learners"],
                workers=options["workers"],
                rating_map=_rating_map(options["rating_map"]),
            )
            result = simulate(config)
        except (FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from error
        command = "python manage.py simulate " + shlex.join(sys.argv[2:])
        markdown = result_markdown(result, command=command)
        if options["markdown_path"]:
            Path(options["markdown_path"]).write_text(markdown)
        else:
            self.stdout.write(markdown)
        if options["json_path"]:
            Path(options["json_path"]).write_text(
                json.dumps(result_json(result), indent=2) + "\n"
            )
        if options["chart_path"]:
            Path(options["chart_path"]).write_text(retention_chart_svg(result))
        self.stdout.write(f"simulated in {result.seconds:.1f} s")


def _rating_map(text: str | None) -> dict | None:
    if not text:
        return None
    pairs = (item.split("=") for item in text.split(","))
    return {key.strip(): int(value) for key, value in pairs}
