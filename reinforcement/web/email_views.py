"""The pages behind the email's links: one-tap answers and the unsubscribe.

No session is needed: the signed link is the credential of one rep for one
question (or for their email setting). A GET only shows; the POST writes, so
a mail scanner that follows every link records nothing.
"""

import time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from reinforcement.models import Prompt
from reinforcement.selectors.email_links import (
    AnswerLink,
    EmailLinkRefused,
    email_answer_link_read,
    email_link_use_get,
    email_link_used_refusal,
    email_unsubscribe_rep_read,
)
from reinforcement.selectors.prompts import prompt_get_for_rep
from reinforcement.services.email_links import email_link_answer, rep_email_unsubscribe
from reinforcement.web.forms import OneTapAnswerForm

TEMPLATES = "reinforcement/rep/"
MS_PER_DAY = 86_400_000


def _closed_page(
    request: HttpRequest, error: ApplicationError, *, link: AnswerLink | None = None
) -> HttpResponse:
    """Why the link cannot answer, and the site's Today page if the question is open."""
    prompt = (
        prompt_get_for_rep(rep_id=link.rep_id, prompt_id=link.prompt_id)
        if link is not None
        else None
    )
    return render(
        request,
        TEMPLATES + "one_tap_closed.html",
        {"message": error.message, "still_open": bool(prompt and prompt.is_open)},
        status=error.status,
    )


@require_http_methods(["GET", "POST"])
def email_answer(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the question with the tapped choice selected; POST: record it once."""
    try:
        link = email_answer_link_read(token=token)
    except EmailLinkRefused as exc:
        return _closed_page(request, exc, link=exc.link)
    use = email_link_use_get(nonce=link.nonce)
    if use is not None and request.method == "GET":
        return _closed_page(request, email_link_used_refusal(link=link), link=link)
    prompt = prompt_get_for_rep(rep_id=link.rep_id, prompt_id=link.prompt_id)
    if prompt is None:
        return _closed_page(
            request,
            ApplicationError("prompt_withdrawn", _("This question was taken back.")),
        )
    if request.method == "GET":
        if not prompt.is_open:
            return _closed_page(request, _not_open_refusal(prompt), link=link)
        form = OneTapAnswerForm(
            question=prompt.question,
            initial={"choice": link.choice_id, "shown_at": int(time.time() * 1000)},
        )
        return render(
            request, TEMPLATES + "one_tap.html", {"prompt": prompt, "form": form}
        )
    return _answer_post(request, link=link, prompt=prompt)


def _not_open_refusal(prompt: Prompt) -> ApplicationError:
    if prompt.status == Prompt.Status.ANSWERED:
        return ApplicationError(
            "already_answered", _("This question has already been answered.")
        )
    return ApplicationError(
        "prompt_closed",
        _("This question's time to answer is over; it comes back in a later dose."),
    )


def _answer_post(request: HttpRequest, *, link: AnswerLink, prompt) -> HttpResponse:
    form = OneTapAnswerForm(request.POST, question=prompt.question)
    if not form.is_valid():
        return render(
            request,
            TEMPLATES + "one_tap.html",
            {"prompt": prompt, "form": form},
            status=400,
        )
    shown_at = form.cleaned_data.get("shown_at")
    response_ms = int(time.time() * 1000) - shown_at if shown_at else None
    try:
        outcome = email_link_answer(
            link=link,
            choice_ids=form.choice_ids(),
            confidence=form.cleaned_data["confidence"],
            now=timezone.now(),
            response_ms=response_ms
            if response_ms and 0 < response_ms < MS_PER_DAY
            else None,
        )
    except ApplicationError as exc:
        return _closed_page(request, exc, link=link)
    return render(
        request,
        TEMPLATES + "feedback.html",
        {"prompt": prompt, "feedback": outcome.feedback, "source": None},
    )


# A mail client's one-click unsubscribe POSTs with no cookie and no CSRF token
# (RFC 8058, section 3); the signed link is what authorizes it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with the unsubscribe button; POST: the rep's email is turned off."""
    try:
        rep_id = email_unsubscribe_rep_read(token=token)
    except ApplicationError as exc:
        return _closed_page(request, exc)
    done = False
    if request.method == "POST":
        rep_email_unsubscribe(rep_id=rep_id, now=timezone.now())
        done = True
    return render(request, TEMPLATES + "unsubscribe.html", {"done": done})
