"""Turn a simulation result into the JSON record, a Markdown table and a chart."""

from dataclasses import dataclass

import numpy as np

from reinforcement.memory import plan_scoring
from reinforcement.simulation.runner import KPI_FROM_DAY, SimulationResult

# The issue's targets (post-training, 60 questions, 4 choices, 365 days).
QSTREAM_FINAL_GAIN = 0.08
FSRS_QUESTIONS_SAVING = 0.20
TRUE_PARAMS_GAP = 0.015
KPI_MAX_ERROR_PP = 3.0
SECONDS_LIMIT = 180.0


def default_target() -> float:
    """The planner's default target retention (the product default)."""
    return plan_scoring.DEFAULT_TARGET_RETENTION


def headline(result: SimulationResult, name: str):
    """A policy's run at its default setting, or the setting nearest it."""
    runs = [p for p in result.policies if p.name == name]
    if not runs:
        return None
    if name == "fsrs_due":
        return min(runs, key=lambda p: abs(p.target - 0.9))
    if runs[0].target is None:
        return runs[0]
    return min(runs, key=lambda p: abs(p.target - default_target()))


def calibration_source(result: SimulationResult):
    """The run whose KPI a manager would see: the refit planner, else the planner."""
    return headline(result, "planner_refit") or headline(result, "planner")


def result_json(result: SimulationResult) -> dict:
    source = calibration_source(result)
    calibration = {
        "max_team_abs_error_pp": None,
        "log_loss": None,
        "rmse_bins": None,
        "policy": None,
    }
    if source is not None:
        calibration = {
            "max_team_abs_error_pp": _number(source.max_team_abs_error_pp),
            "log_loss": _number(source.log_loss),
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
            }
            for p in result.policies
        ],
        "calibration": calibration,
        "seconds": round(result.seconds, 1),
    }


def _number(x: float):
    return None if x is None or np.isnan(x) else round(float(x), 4)


@dataclass(frozen=True)
class TargetCheck:
    target: str
    met: bool | None
    detail: str


def _curve(result, name):
    runs = sorted(
        (p for p in result.policies if p.name == name),
        key=lambda p: p.questions_per_rep,
    )
    q = np.array([p.questions_per_rep for p in runs])
    avg = np.array([p.time_avg_true_retention for p in runs])
    final = np.array([p.final_true_retention for p in runs])
    return q, avg, final


def _at(x, xs, ys):
    """Linear interpolation inside the measured range; None outside it."""
    if len(xs) == 0 or x < xs[0] or x > xs[-1]:
        return None
    return float(np.interp(x, xs, ys))


def targets_check(result: SimulationResult) -> list[TargetCheck]:
    """Judge the issue's targets on this run (meaningful for its target config)."""
    checks = []
    q, avg, final = _curve(result, "planner")
    qstream = result.find("qstream_classic")
    if qstream is not None and len(q):
        checks += _qstream_checks(result, qstream, q, avg, final)
    fsrs = headline(result, "fsrs_due")
    if fsrs is not None and len(q):
        checks.append(_fsrs_check(fsrs, q, avg))
    checks += _true_params_checks(result, q, avg, final)
    checks += _kpi_checks(result)
    return checks


def _fsrs_check(fsrs, q, avg) -> TargetCheck:
    """The planner's workload at FSRS's time-averaged retention, against FSRS's."""
    name = "planner vs FSRS due order (0.9) at equal retention"
    order = np.argsort(avg)
    needed = _at(fsrs.time_avg_true_retention, avg[order], q[order])
    if needed is None:
        return TargetCheck(
            name,
            None if fsrs.time_avg_true_retention < avg.min() else False,
            f"FSRS reaches {fsrs.time_avg_true_retention:.1%} time-averaged, "
            f"outside the planner's range {avg.min():.1%}-{avg.max():.1%}",
        )
    saving = 1 - needed / fsrs.questions_per_rep
    return TargetCheck(
        name,
        saving >= FSRS_QUESTIONS_SAVING,
        f"to reach FSRS's {fsrs.time_avg_true_retention:.1%} time-averaged "
        f"the planner asks {needed:.0f} questions per rep vs "
        f"{fsrs.questions_per_rep:.0f} ({saving:.0%} fewer, target "
        f"{FSRS_QUESTIONS_SAVING:.0%})",
    )


def _true_params_checks(result, q, avg, final) -> list[TargetCheck]:
    """The planner's largest shortfall from the true-parameter curve, equal workload."""
    tq, tavg, tfinal = _curve(result, "planner_true_params")
    if not (len(tq) and len(q)):
        return []
    gaps = [
        (_at(x, tq, tavg) - a, _at(x, tq, tfinal) - f)
        for x, a, f in zip(q, avg, final, strict=True)
        if _at(x, tq, tavg) is not None
    ]
    if not gaps:
        return []
    worst_avg = max(g[0] for g in gaps)
    worst_final = max(g[1] for g in gaps)
    return [
        TargetCheck(
            "planner within 1.5 pp of the true-parameter reference",
            worst_avg <= TRUE_PARAMS_GAP,
            f"largest shortfall at equal workload: {worst_avg * 100:.1f} pp "
            f"time-averaged, {worst_final * 100:.1f} pp on day "
            f"{result.config.days} ({len(gaps)} planner settings compared)",
        )
    ]


def _kpi_checks(result) -> list[TargetCheck]:
    """The worst team's KPI error for the planner and the refit planner."""
    checks = []
    for name in ("planner", "planner_refit"):
        source = headline(result, name)
        if source is None or not source.team_kpi_error_pp:
            continue
        error = source.max_team_abs_error_pp
        checks.append(
            TargetCheck(
                f"retention KPI within 3 pp of the truth for every team ({name})",
                error <= KPI_MAX_ERROR_PP,
                f"{source.name} {source.setting}: worst team's mean absolute error "
                f"from day {KPI_FROM_DAY} on {error:.1f} pp over "
                f"{len(source.team_kpi_error_pp)} teams",
            )
        )
    return checks


def _qstream_checks(result, qstream, q, avg, final) -> list[TargetCheck]:
    """Planner vs Qstream Classic: along the frontier, and at the nearest setting."""
    name = "planner vs Qstream Classic at equal workload"
    days = result.config.days
    checks = []

    def verdict(at_q, at_final, at_avg, how):
        gain = at_final - qstream.final_true_retention
        return TargetCheck(
            f"{name} ({how})",
            gain >= QSTREAM_FINAL_GAIN and at_avg >= qstream.time_avg_true_retention,
            f"planner at {at_q:.0f} questions per rep vs Qstream's "
            f"{qstream.questions_per_rep:.0f}: day-{days} retention {at_final:.1%} vs "
            f"{qstream.final_true_retention:.1%} ({gain * 100:+.1f} pp, target "
            f"+{QSTREAM_FINAL_GAIN * 100:.0f}); time-averaged {at_avg:.1%} vs "
            f"{qstream.time_avg_true_retention:.1%} "
            f"({(at_avg - qstream.time_avg_true_retention) * 100:+.1f} pp)",
        )

    at_final = _at(qstream.questions_per_rep, q, final)
    at_avg = _at(qstream.questions_per_rep, q, avg)
    if at_final is None:
        checks.append(
            TargetCheck(
                f"{name} (interpolated)",
                None,
                f"Qstream asks {qstream.questions_per_rep:.0f} questions per rep, "
                f"outside the planner's measured range {q[0]:.0f}-{q[-1]:.0f}",
            )
        )
    else:
        checks.append(
            verdict(qstream.questions_per_rep, at_final, at_avg, "interpolated")
        )
    runs = [p for p in result.policies if p.name == "planner"]
    near = min(runs, key=lambda p: abs(p.questions_per_rep - qstream.questions_per_rep))
    checks.append(
        verdict(
            near.questions_per_rep,
            near.final_true_retention,
            near.time_avg_true_retention,
            f"nearest setting, {near.setting}",
        )
    )
    return checks


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
        "| KPI error, worst team (pp) | Log loss | RMSE (bins) |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for p in result.policies:
        lines.append(
            f"| {p.name} | {p.setting} | {p.questions_per_rep:.0f} "
            f"| {p.time_avg_true_retention:.1%} | {p.final_true_retention:.1%} "
            f"| {p.share_below_70:.0%} | {_fmt(p.max_team_abs_error_pp, '.1f')} "
            f"| {_fmt(p.log_loss, '.3f')} | {_fmt(p.rmse_bins, '.3f')} |"
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
