"""How the pages show a service's refusal: one template, the status of its code."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import ApplicationError

ERROR_TEMPLATE = "reinforcement/rep/error.html"


def error_page(
    request: HttpRequest,
    error: ApplicationError,
    *,
    source: str | None = None,
    heading: str | None = None,
) -> HttpResponse:
    """The error page for a refused request, with the HTTP status of its code.

    ``source`` keeps the rep's filter (daily or refresher) on the way back;
    ``heading`` replaces "That didn't work" where the refusal is expected.
    """
    return render(
        request,
        ERROR_TEMPLATE,
        {"message": error.message, "source": source, "heading": heading},
        status=error.status,
    )
