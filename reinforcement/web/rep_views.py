"""The rep's pages: today's questions, feedback, progress, refresher, login."""

import time
import uuid

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError
from reinforcement.models import Prompt
from reinforcement.selectors.engagement import rep_engagement_get
from reinforcement.selectors.feedback import answer_feedback_get
from reinforcement.selectors.progress import rep_progress_get
from reinforcement.selectors.prompts import (
    answer_get_for_rep,
    prompt_get_for_rep,
    prompt_is_withdrawn_for_rep,
    prompts_open_for_rep,
)
from reinforcement.selectors.reps import rep_situation_get, topics_enrolled_for_rep
from reinforcement.selectors.scoping import visible_teams
from reinforcement.services.answers import answer_submit, prompt_withdrawn_refusal
from reinforcement.services.refresher import refresher_create
from reinforcement.web.errors import error_page
from reinforcement.web.forms import AnswerForm, RefresherForm

TEMPLATES = "reinforcement/rep/"
MS_PER_DAY = 86_400_000


def _now_ms() -> int:
    return int(time.time() * 1000)


# The session key of the prompts the rep's last web refresher chose.
REFRESHER_SET = "refresher_prompt_ids"


def _source(request: HttpRequest) -> str | None:
    source = request.GET.get("source")
    return source if source in Prompt.Source.values else None


def _not_a_rep(request: HttpRequest) -> HttpResponse:
    # A manager or enablement admin who is not a rep has a dashboard instead.
    if visible_teams(user=request.user).exists():
        return redirect("manager:dashboard")
    return render(request, TEMPLATES + "not_a_rep.html", status=403)


@login_required
def rep_home(request: HttpRequest) -> HttpResponse:
    """Where a login lands (LOGIN_REDIRECT_URL): reps on Today, managers and
    enablement admins who are not reps on the manager dashboard."""
    is_rep = rep_situation_get(rep_id=request.user.pk, now=timezone.now()) is not None
    if not is_rep and visible_teams(user=request.user).exists():
        return redirect("manager:dashboard")
    return redirect("rep:today")


def _chosen(prompts: list[Prompt], wanted: str | None) -> Prompt:
    """The prompt a link chose (a Teams card's ``?prompt=``), if still open; else
    the first. Another rep's id or an answered one just shows the next."""
    return next((p for p in prompts if str(p.pk) == wanted), prompts[0])


@login_required
def rep_today(request: HttpRequest) -> HttpResponse:
    """The next open question, one at a time; or why there is none."""
    now = timezone.now()
    situation = rep_situation_get(rep_id=request.user.pk, now=now)
    if situation is None:
        return _not_a_rep(request)
    source = _source(request)
    also = request.session.get(REFRESHER_SET, []) if source == "refresher" else []
    prompts = list(
        prompts_open_for_rep(
            rep_id=request.user.pk, now=now, source=source, also_ids=also
        )
    )
    if not prompts:
        if situation.is_paused:
            empty = "paused"
        elif not situation.is_enrolled:
            empty = "not_enrolled"
        else:
            empty = "done"
        return render(
            request,
            TEMPLATES + "today.html",
            {"empty": empty, "situation": situation, "source": source},
        )
    prompt = _chosen(prompts, request.GET.get("prompt"))
    form = AnswerForm(
        question=prompt.question,
        initial={"idempotency_key": uuid.uuid4().hex, "shown_at": _now_ms()},
    )
    return render(
        request,
        TEMPLATES + "today.html",
        {"prompt": prompt, "form": form, "remaining": len(prompts), "source": source},
    )


@login_required
@require_POST
def rep_answer_submit(request: HttpRequest, prompt_id) -> HttpResponse:
    """Record the answer and show the feedback; a resubmit shows the same feedback."""
    now = timezone.now()
    situation = rep_situation_get(rep_id=request.user.pk, now=now)
    if situation is None:
        return _not_a_rep(request)
    prompt = prompt_get_for_rep(rep_id=request.user.pk, prompt_id=prompt_id)
    source = _source(request)
    if prompt is None:
        if prompt_is_withdrawn_for_rep(rep_id=request.user.pk, prompt_id=prompt_id):
            # A page shown before the question was retired or rewritten.
            return _withdrawn_page(request, source=source)
        raise Http404(_("No such question."))
    form = AnswerForm(request.POST, question=prompt.question)
    if not form.is_valid():
        return render(
            request,
            TEMPLATES + "today.html",
            {"prompt": prompt, "form": form, "remaining": None, "source": source},
            status=400,
        )
    shown_at = form.cleaned_data.get("shown_at")
    response_ms = _now_ms() - shown_at if shown_at else None
    try:
        outcome = answer_submit(
            rep_id=request.user.pk,
            prompt_id=prompt.id,
            choice_ids=form.choice_ids(),
            confidence=form.cleaned_data["confidence"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            now=now,
            response_ms=response_ms
            if response_ms and 0 < response_ms < MS_PER_DAY
            else None,
        )
        feedback = outcome.feedback
    except ApplicationError as exc:
        answer = (
            answer_get_for_rep(rep_id=request.user.pk, prompt_id=prompt.id)
            if exc.code == "already_answered"
            else None
        )
        if exc.code == "prompt_withdrawn":  # withdrawn while the answer was sent
            return _withdrawn_page(request, source=source)
        if answer is None:
            return error_page(request, exc, source=source)
        feedback = answer_feedback_get(answer=answer, next_due=None, replayed=True)
    return render(
        request,
        TEMPLATES + "feedback.html",
        {"prompt": prompt, "feedback": feedback, "source": source},
    )


def _withdrawn_page(request: HttpRequest, *, source: str | None) -> HttpResponse:
    return error_page(
        request,
        prompt_withdrawn_refusal(),
        source=source,
        heading=_("This question was withdrawn"),
    )


@login_required
def rep_progress(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    situation = rep_situation_get(rep_id=request.user.pk, now=now)
    if situation is None:
        return _not_a_rep(request)
    progress = rep_progress_get(situation=situation, now=now)
    return render(
        request,
        TEMPLATES + "progress.html",
        {
            "progress": progress,
            "situation": situation,
            "trend": _trend_chart(progress.trend),
            "engagement": rep_engagement_get(
                rep_id=request.user.pk, today=situation.local_date
            ),
        },
    )


def _trend_chart(trend, width: int = 320, height: int = 120, pad: int = 8) -> dict:
    """SVG coordinates of the weekly retention trend (0-100 % on the y axis)."""
    step = (width - 2 * pad) / max(len(trend) - 1, 1)
    points = [
        {
            "x": round(pad + i * step, 1),
            "y": round(pad + (1 - p.predicted) * (height - 2 * pad), 1),
            "label": p.week,
            "value": p.predicted,
        }
        for i, p in enumerate(trend)
        if p.predicted is not None
    ]
    return {
        "width": width,
        "height": height,
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
    }


@login_required
@require_http_methods(["GET", "POST"])
def rep_refresher(request: HttpRequest) -> HttpResponse:
    """Pick a topic, get a short set of the questions most likely forgotten."""
    now = timezone.now()
    situation = rep_situation_get(rep_id=request.user.pk, now=now)
    if situation is None:
        return _not_a_rep(request)
    topics = topics_enrolled_for_rep(situation=situation)
    form = RefresherForm(request.POST or None, topics=topics)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            chosen = refresher_create(
                situation=situation,
                now=now,
                topic_id=form.cleaned_data["topic"],
                size=form.cleaned_data["size"],
            )
        except ApplicationError as exc:
            # Shown on the form, which is a 400 like any refused POST.
            error = exc.message
        else:
            # The set may reuse questions open in today's plan: remember it whole.
            request.session[REFRESHER_SET] = [str(p.pk) for p in chosen]
            return redirect(f"{reverse('rep:today')}?source=refresher")
    return render(
        request,
        TEMPLATES + "refresher.html",
        {"form": form, "topics": topics, "error": error},
        status=400 if request.method == "POST" else 200,
    )


class RepLoginView(LoginView):
    """Django's login; failures are throttled per account and address by
    django-axes (enablement/login_security.py)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
