from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """A share as a whole percent; an en dash when there is none."""
    return "–" if value is None else f"{value * 100:.0f}%"


@register.filter
def points(value) -> str:
    """A difference of shares in percentage points, signed."""
    return "–" if value is None else f"{value * 100:+.1f} points"


@register.filter
def num1(value) -> str:
    """A number with one decimal; an en dash when there is none."""
    return "–" if value is None else f"{value:.1f}"
