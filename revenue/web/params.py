"""The ``?months=`` window of the outcome pages, CSV and API."""

from django.utils.translation import gettext as _

from core.errors import ApplicationError
from revenue.selectors.outcomes import DEFAULT_MONTHS, MAX_MONTHS


def months_parse(value: str | None) -> int:
    """A whole number of months from 1 to MAX_MONTHS; the default when blank."""
    if value is None or not value.strip():
        return DEFAULT_MONTHS
    try:
        months = int(value)
    except ValueError:
        months = 0
    if not 1 <= months <= MAX_MONTHS:
        raise ApplicationError(
            "invalid",
            _("months is not a valid window."),
            {
                "months": [
                    _("Send a whole number from 1 to %(max)d.") % {"max": MAX_MONTHS}
                ]
            },
        )
    return months
