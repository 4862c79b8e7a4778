"""The retention-against-conversion chart: inline SVG like the dashboard's."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reinforcement.web.manager_charts import SERIES, pct
from revenue.outcome_stats import Band

BAR = SERIES["predicted"][0]
WHISKER = "#333333"


def conversion_bands_svg(bands: list[Band], *, stage: str) -> SafeString:
    """Conversion out of the stage by retention band at entry, with each band's
    95% interval as a whisker; bands without entries are labelled, not drawn."""
    width, height, left, top, plot_h = 520, 250, 46, 28, 170
    plot_w = width - left - 20
    out = [
        f'<svg class="conversion-bands" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Conversion out of {escape(stage)} by retention at entry">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        out.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" '
            f'stroke="#ddd"/><text class="tick" x="{left - 6}" y="{y + 4}" '
            f'text-anchor="end">{round(tick * 100)}%</text>'
        )
    out.append(
        f'<text class="axis" x="{left}" y="{top - 12}">Conversion out of '
        f"{escape(stage)}, by the owner's retention of its topics at entry</text>"
    )
    step = plot_w / len(bands)
    for i, band in enumerate(bands):
        x = left + i * step
        centre = x + step / 2
        out.append(
            f'<text class="tick" x="{centre:.1f}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{band.label}</text>'
            f'<text class="tick" x="{centre:.1f}" y="{top + plot_h + 32}" '
            f'text-anchor="middle">n={band.resolved}</text>'
        )
        if band.rate is None:
            continue
        y = top + plot_h * (1 - band.rate.estimate)
        label = (
            f"Retention {band.label}: {pct(band.rate.estimate)} converted "
            f"({band.converted} of {band.resolved}), 95% interval "
            f"{pct(band.rate.low)} to {pct(band.rate.high)}"
        )
        lo, hi = top + plot_h * (1 - band.rate.low), top + plot_h * (1 - band.rate.high)
        out.append(
            f'<g class="band" tabindex="0"><title>{escape(label)}</title>'
            f'<rect x="{x + step * 0.2:.1f}" y="{y:.1f}" width="{step * 0.6:.1f}" '
            f'height="{top + plot_h - y:.1f}" fill="{BAR}" fill-opacity="0.8"/>'
            f'<line class="whisker" x1="{centre:.1f}" x2="{centre:.1f}" y1="{lo:.1f}" '
            f'y2="{hi:.1f}" stroke="{WHISKER}" stroke-width="2"/>'
            f'<line x1="{centre - 6:.1f}" x2="{centre + 6:.1f}" y1="{lo:.1f}" y2="{lo:.1f}" '
            f'stroke="{WHISKER}" stroke-width="2"/>'
            f'<line x1="{centre - 6:.1f}" x2="{centre + 6:.1f}" y1="{hi:.1f}" y2="{hi:.1f}" '
            f'stroke="{WHISKER}" stroke-width="2"/></g>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped
