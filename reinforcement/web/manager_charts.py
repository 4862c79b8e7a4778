"""Server-side SVG charts for the manager dashboard: no script, no network.

Each function takes selector results and returns safe SVG markup. Every data
mark carries a <title> (shown on hover) and cells are focusable, so the number
behind a colour is reachable by keyboard too.
"""

from collections.abc import Callable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reinforcement.kpi_rules import MIN_ANSWERS
from reinforcement.selectors.kpi_common import Retention, TrendPoint
from reinforcement.selectors.kpi_participation import Participation
from reinforcement.selectors.kpi_retention import CurvePoint, HeatMap

# Retention bands of the heat map, low to high, with their colours (a
# colour-blind-safe red-to-blue ramp) and legend labels.
BANDS = [
    (0.0, "#b2182b", "< 60%"),
    (0.6, "#ef8a62", "60-70%"),
    (0.7, "#fddbc7", "70-80%"),
    (0.8, "#d1e5f0", "80-90%"),
    (0.9, "#67a9cf", "90-95%"),
    (0.95, "#2166ac", "≥ 95%"),
]
NO_DATA = "#e0e0e0"
SERIES = {
    "predicted": ("#2166ac", "Predicted retention"),
    "observed": ("#b2182b", "Observed (guess-corrected)"),
    "participation": ("#1b7837", "Participation"),
    "mastery": ("#762a83", "Mastery"),
}


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def band_colour(value: float | None) -> str:
    if value is None:
        return NO_DATA
    colour = BANDS[0][1]
    for lower, band, _label in BANDS:
        if value >= lower:
            colour = band
    return colour


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (WCAG AA 4.5:1
    holds for every band: tests/reinforcement/web/test_manager_charts.py)."""
    return max(("#000000", "#ffffff"), key=lambda c: contrast(c, background))


def _cell_label(rep_name: str, topic_name: str, cell: Retention | None) -> str:
    """What a heat-map cell says: its figures, or that it has too few answers."""
    where = f"{rep_name} × {topic_name}"
    if cell is None:
        return f"{where}: no answers yet"
    if cell.predicted is None:
        return (
            f"{where}: not enough answers yet ({cell.answers} answers, "
            f"{MIN_ANSWERS} needed)"
        )
    observed = (
        f"observed {pct(cell.observed)} on {cell.reviews} reviews"
        if cell.observed is not None
        else f"observed: not enough spaced reviews yet ({cell.reviews})"
    )
    return (
        f"{where}: predicted recall if asked today {pct(cell.predicted)}, "
        f"{observed}, mastery {pct(cell.mastery)}"
    )


def heatmap_svg(
    heatmap: HeatMap, rep_url: Callable[[int], str] | None = None
) -> SafeString:
    """Reps as rows, topics as columns, coloured by predicted retention.

    An ARIA grid: one Tab stop (the first cell), arrow keys move between
    cells (static/reinforcement/manager.js), each cell named by its figures.
    With ``rep_url``, each row header links to that rep's page. The legend is
    HTML beside it (``heatmap_legend``), so it wraps instead of being clipped.
    """
    cell_w, cell_h, left, top = 44, 24, 170, 150
    width = left + cell_w * max(len(heatmap.topics), 1) + 20
    height = top + cell_h * max(len(heatmap.reps), 1) + 10
    out = [
        f'<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="grid" '
        f'aria-label="Retention heat map, reps by topic" '
        f'aria-rowcount="{len(heatmap.reps) + 1}" '
        f'aria-colcount="{len(heatmap.topics) + 1}">'
        f'<g role="row"><text role="columnheader" class="col-label" '
        f'x="{left - 8}" y="{top - 8}" text-anchor="end">Rep</text>'
    ]
    for j, topic in enumerate(heatmap.topics):
        x = left + j * cell_w + cell_w / 2
        out.append(
            f'<text role="columnheader" class="col-label" x="{x}" y="{top - 8}" '
            f'transform="rotate(-50 {x} {top - 8})">{escape(topic.name)}</text>'
        )
    out.append("</g>")
    first = True
    for i, rep in enumerate(heatmap.reps):
        y = top + i * cell_h
        label = (
            f'<text class="row-label" x="{left - 8}" y="{y + cell_h * 0.68}" '
            f'text-anchor="end">{escape(rep.name)}</text>'
        )
        if rep_url is not None:
            label = (
                f'<a class="gridnav" tabindex="-1" '
                f'href="{escape(rep_url(rep.rep_id))}">{label}</a>'
            )
        out.append(f'<g role="row"><g role="rowheader">{label}</g>')
        for j, topic in enumerate(heatmap.topics):
            cell = heatmap.cells.get((rep.rep_id, topic.pk))
            value = cell.predicted if cell else None
            label = _cell_label(rep.name, topic.name, cell)
            x = left + j * cell_w
            fill = band_colour(value)
            out.append(
                f'<g class="cell gridnav" role="gridcell" '
                f'tabindex="{0 if first else -1}" aria-label="{escape(label)}">'
                f"<title>{escape(label)}</title>"
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{fill}"/>'
                f'<text class="value" x="{x + cell_w / 2 - 1}" y="{y + cell_h * 0.66}" '
                f'text-anchor="middle" fill="{text_colour(fill)}">'
                f"{'' if value is None else round(value * 100)}</text></g>"
            )
            first = False
        out.append("</g>")
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def _legend(items: list[tuple[str, str]], css_class: str) -> str:
    return (
        f'<ul class="legend {css_class}">'
        + "".join(
            f'<li><span class="swatch" style="background:{colour}"></span>'
            f"{escape(label)}</li>"
            for colour, label in items
        )
        + "</ul>"
    )


def heatmap_legend() -> SafeString:
    """The heat map's colour bands and how to read a cell, as wrapping HTML."""
    bands = [(colour, label) for _lower, colour, label in BANDS]
    return mark_safe(  # noqa: S308 - labels escaped, colours are constants
        _legend([*bands, (NO_DATA, "too few answers")], "heatmap-legend")
        + '<p class="muted legend-note">Colour and number: predicted recall if '
        f"asked today (grey: under {MIN_ANSWERS} answers). Focus a cell, then use "
        "the arrow keys, for observed recall, reviews and mastery.</p>"
    )


def _axes(out, left, top, plot_w, plot_h, y_label):
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        out.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4}" text-anchor="end">'
            f"{round(tick * 100)}%</text>"
        )
    out.append(f'<text class="axis" x="{left}" y="{top - 10}">{escape(y_label)}</text>')


def trend_svg(points: list[TrendPoint]) -> SafeString:
    """Weekly lines of predicted and observed retention, participation, mastery."""
    width, height, left, top, plot_h = 640, 220, 46, 24, 170
    plot_w = width - left - 20
    out = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Weekly trends">'
    ]
    _axes(out, left, top, plot_w, plot_h, "Weekly, last 26 weeks")
    step = plot_w / max(len(points) - 1, 1)
    for name, (colour, _label) in SERIES.items():
        coords = []
        for i, point in enumerate(points):
            value = getattr(point, name)
            if value is None:
                continue
            x, y = left + i * step, top + plot_h * (1 - value)
            coords.append(f"{x:.1f},{y:.1f}")
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(SERIES[name][1])}, week of {point.week:%d %b}: "
                f"{pct(value)}</title></circle>"
            )
        if len(coords) > 1:
            out.append(
                f'<polyline class="series-{name}" fill="none" stroke="{colour}" '
                f'stroke-width="2" points="{" ".join(coords)}"/>'
            )
    for i in range(0, len(points), 4):
        x = left + i * step
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{points[i].week:%d %b}</text>'
        )
    out.append("</svg>")
    out.append(_legend([(c, label) for c, label in SERIES.values()], "trend-legend"))
    return mark_safe("".join(out))  # noqa: S308


def forgetting_curve_svg(points: list[CurvePoint], topic_name: str) -> SafeString:
    """Observed recall by days since the last review, with the model's line over it."""
    width, height, left, top, plot_h = 520, 260, 46, 24, 170
    plot_w = width - left - 20
    out = [
        f'<svg class="forgetting-curve" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Forgetting curve of {escape(topic_name)}">'
    ]
    _axes(
        out,
        left,
        top,
        plot_w,
        plot_h,
        f"Recall by days since last review: {topic_name}",
    )
    step = plot_w / len(points)
    model = []
    most = max((p.reviews for p in points), default=0) or 1
    for i, p in enumerate(points):
        x = left + (i + 0.5) * step
        span = f"{p.bin_start}-{p.bin_end}" if p.bin_end else f"{p.bin_start}+"
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{span} d</text>'
        )
        if p.predicted is not None:
            model.append(f"{x:.1f},{top + plot_h * (1 - p.predicted):.1f}")
        if p.observed is not None:
            r = 3 + 6 * (p.reviews / most) ** 0.5
            out.append(
                f'<circle class="observed" cx="{x:.1f}" '
                f'cy="{top + plot_h * (1 - p.observed):.1f}" r="{r:.1f}" '
                f'fill="{SERIES["observed"][0]}" fill-opacity="0.75">'
                f"<title>{span} days: observed {pct(p.observed)}, model "
                f"{pct(p.predicted)}, {p.reviews} reviews</title></circle>"
            )
    if len(model) > 1:
        out.append(
            f'<polyline class="model" fill="none" stroke="{SERIES["predicted"][0]}" '
            f'stroke-width="2" points="{" ".join(model)}"/>'
        )
    out.append(
        f'<circle cx="{left + 6}" cy="{height - 16}" r="5" fill="{SERIES["observed"][0]}"/>'
        f'<text class="legend" x="{left + 16}" y="{height - 12}">Observed, '
        f"guess-corrected (size: reviews)</text>"
        f'<line x1="{left + 260}" x2="{left + 280}" y1="{height - 16}" '
        f'y2="{height - 16}" stroke="{SERIES["predicted"][0]}" stroke-width="2"/>'
        f'<text class="legend" x="{left + 286}" y="{height - 12}">Model (FSRS)</text>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308


def participation_svg(participation: Participation) -> SafeString:
    """One bar per rep: delivered prompts answered on time, last 30 days."""
    rows = participation.rows
    bar_h, left, width = 16, 170, 520
    plot_w = width - left - 60
    height = 20 + bar_h * max(len(rows), 1) + 10
    out = [
        f'<svg class="participation" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Participation per rep">'
    ]
    for i, row in enumerate(rows):
        y = 10 + i * bar_h
        rate = row.rate
        label = (
            f"{row.rep.name}: {pct(rate)} ({row.answered_on_time} of "
            f"{row.delivered} on time), streak {row.current_streak}"
        )
        out.append(
            f'<text class="row-label" x="{left - 8}" y="{y + bar_h * 0.7}" '
            f'text-anchor="end">{escape(row.rep.name)}</text>'
            f'<g class="bar" tabindex="0"><title>{escape(label)}</title>'
            f'<rect x="{left}" y="{y + 2}" width="{plot_w * (rate or 0):.1f}" '
            f'height="{bar_h - 4}" fill="{SERIES["participation"][0]}"/>'
            f'<text class="value" x="{left + plot_w * (rate or 0) + 4:.1f}" '
            f'y="{y + bar_h * 0.7}">{pct(rate)}</text></g>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308
