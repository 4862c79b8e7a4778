"""Turn a simulation result into the JSON record, a Markdown table and a chart."""

import numpy as np

from reinforcement.simulation.runner import SimulationResult
from reinforcement.simulation.targets import headline, targets_check

__all__ = ["result_json", "result_markdown", "retention_chart_svg", "targets_check"]


def calibration_source(result: SimulationResult):
    """The run whose KPI a manager would see: the refit planner, else the planner."""
    return headline(result, "planner_refit") or headline(result, "planner")


def result_json(result: SimulationResult) -> dict:
    source = calibration_source(result)
    calibration = {
        "max_team_abs_error_pp": None,
        "log_loss": None,
        "truth_log_loss": None,
        "rmse_bins": None,
        "policy": None,
    }
    if source is not None:
        calibration = {
            "max_team_abs_error_pp": _number(source.max_team_abs_error_pp),
            "log_loss": _number(source.log_loss),
            "truth_log_loss": _number(source.truth_log_loss),
            "rmse_bins": _number(source.rmse_bins),
            "policy": f"{source.name} {source.setting}".strip(),
        }
    return {
        "policies": [
            {
                "name": p.name,
                "setting": p.setting,
                "questions_per_rep": round(p.questions_per_rep, 2),
                "time_avg_true_retention": round(p.time_avg_true_retention, 4),
                "final_true_retention": round(p.final_true_retention, 4),
                "share_below_70": round(p.share_below_70, 4),
                "max_team_abs_error_pp": _number(p.max_team_abs_error_pp),
                "log_loss": _number(p.log_loss),
                "truth_log_loss": _number(p.truth_log_loss),
                "rmse_bins": _number(p.rmse_bins),
            }
            for p in result.policies
        ],
        "calibration": calibration,
        "seconds": round(result.seconds, 1),
    }


def _number(x: float):
    return None if x is None or np.isnan(x) else round(float(x), 4)


def frontier_markdown(result: SimulationResult) -> str:
    """Every policy's (workload, retention) point, lightest first.

    The planner's and its references' settings trace their retention-workload
    curves; each baseline is one point (FSRS one per desired retention).
    """
    lines = [
        "| Questions per rep | Policy | Setting | Time-averaged | Day "
        f"{result.config.days} |",
        "|--:|---|---|--:|--:|",
    ]
    for p in sorted(result.policies, key=lambda p: (p.questions_per_rep, p.name)):
        name = f"**{p.name}**" if p.name == "planner" else p.name
        lines.append(
            f"| {p.questions_per_rep:.0f} | {name} | {p.setting} "
            f"| {p.time_avg_true_retention:.1%} | {p.final_true_retention:.1%} |"
        )
    return "\n".join(lines) + "\n"


def result_markdown(result: SimulationResult, *, command: str = "") -> str:
    c = result.config
    lines = [
        f"Scenario `{c.scenario}`, {c.reps} reps, {c.questions} questions, "
        f"{c.choices} choices, {c.days} days, budget {c.budget} per working day, "
        f"seed {c.seed}; {result.seconds:.0f} s.",
        "",
    ]
    if command:
        lines += [f"Command: `{command}`", ""]
    lines += [
        "| Policy | Setting | Questions per rep | Time-averaged true retention "
        f"| True retention day {c.days} | Below 70% at end "
        "| KPI error, worst team (pp) | Log loss | True model's log loss "
        "| RMSE (bins) |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for p in result.policies:
        lines.append(
            f"| {p.name} | {p.setting} | {p.questions_per_rep:.0f} "
            f"| {p.time_avg_true_retention:.1%} | {p.final_true_retention:.1%} "
            f"| {p.share_below_70:.0%} | {_fmt(p.max_team_abs_error_pp, '.1f')} "
            f"| {_fmt(p.log_loss, '.3f')} | {_fmt(p.truth_log_loss, '.3f')} "
            f"| {_fmt(p.rmse_bins, '.3f')} |"
        )
    checks = targets_check(result)
    if checks:
        lines += ["", "| Target | Met | Measured |", "|---|---|---|"]
        for check in checks:
            met = {True: "yes", False: "**no**", None: "n/a"}[check.met]
            lines.append(f"| {check.target} | {met} | {check.detail} |")
    lines += ["", "Retention-workload frontier (lightest first):", ""]
    lines.append(frontier_markdown(result))
    return "\n".join(lines)


def _fmt(x, spec):
    return "" if x is None or np.isnan(x) else format(x, spec)


CHART_COLOURS = (
    "#7f7f7f",
    "#d62728",
    "#ff7f0e",
    "#bcbd22",
    "#9467bd",
    "#1f77b4",
    "#17becf",
    "#2ca02c",
    "#8c564b",
    "#e377c2",
    "#393b79",
)


def retention_chart_svg(result: SimulationResult) -> str:
    """True retention over time, one line per policy at its headline setting."""
    width, height, left, right, top, bottom = 880, 420, 60, 300, 30, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    days = result.config.days
    names = list(dict.fromkeys(p.name for p in result.policies))

    def x(day):
        return left + plot_w * day / days

    def y(value):
        return top + plot_h * (1 - value)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="14">True retention over time '
        f"({result.config.scenario}, {result.config.reps} reps, "
        f"{result.config.questions} questions, budget {result.config.budget}/day)"
        "</text>",
    ]
    for tick in np.arange(0, 1.01, 0.2):
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{tick:.0%}</text>"
        )
    for tick in range(0, days + 1, 60 if days > 120 else 30):
        out.append(
            f'<text x="{x(tick):.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
            f"{tick}</text>"
        )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 10}" text-anchor="middle">'
        "day after training</text>"
    )
    for i, name in enumerate(names):
        run = headline(result, name)
        colour = CHART_COLOURS[i % len(CHART_COLOURS)]
        points = " ".join(
            f"{x(d + 1):.1f},{y(v):.1f}" for d, v in enumerate(run.daily_true_retention)
        )
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{points}"/>'
        )
        label = f"{name} {run.setting}".strip()
        ly = top + 16 * i + 10
        out.append(
            f'<line x1="{left + plot_w + 12}" x2="{left + plot_w + 32}" y1="{ly}" '
            f'y2="{ly}" stroke="{colour}" stroke-width="3"/>'
            f'<text x="{left + plot_w + 36}" y="{ly + 4}">{label}</text>'
        )
    out.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        'fill="none" stroke="#333"/>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
