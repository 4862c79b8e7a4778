"""The emails reps and managers get: plain text and HTML, from Django templates.

Every email to a rep carries the RFC 8058 one-click unsubscribe headers
(`List-Unsubscribe` with the rep's signed link, and `List-Unsubscribe-Post`),
so a mail client's "Unsubscribe" turns their email off with one POST.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enablement.models import Question
from reinforcement.models import Prompt
from reinforcement.selectors.email_links import (
    email_answer_url,
    email_link_nonce,
    email_unsubscribe_url,
)

TEMPLATES = "reinforcement/email/"


def site_url(name: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name)


def _message(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    headers: dict | None = None,
) -> EmailMultiAlternatives:
    """A two-part message: the .txt template as its body, the .html alternative."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{TEMPLATES}{template}.txt", context),
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(
        render_to_string(f"{TEMPLATES}{template}.html", context), "text/html"
    )
    return message


def unsubscribe_headers(*, rep_id: int) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: the POST target and the one-click marker."""
    return {
        "List-Unsubscribe": f"<{email_unsubscribe_url(rep_id=rep_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _one_tap_questions(prompts: Iterable[Prompt]) -> list[dict]:
    """Each prompt's stem and choices, each choice with its signed one-tap link.

    One nonce per prompt: all of a question's links in this email are one
    link for single use and for the answer's idempotency key.
    """
    questions = []
    for prompt in prompts:
        nonce = email_link_nonce()
        question = prompt.question
        questions.append(
            {
                "topic": question.topic.name,
                "stem": question.stem,
                "select_all": question.kind == Question.Kind.MULTIPLE_CHOICE,
                "choices": [
                    {
                        "text": choice.text,
                        "url": email_answer_url(
                            prompt=prompt, choice_id=choice.pk, nonce=nonce
                        ),
                    }
                    for choice in question.choices.all()
                ],
            }
        )
    return questions


def dose_email(
    *, rep: AbstractBaseUser, prompts: list[Prompt], reminder: bool = False,
    label: str = "",
) -> EmailMultiAlternatives:  # fmt: skip
    """The daily dose (or its reminder), each choice one tap from an answer;
    ``label`` names a triggered refresher ("Refresher for Acme (entered
    Discovery)") in place of the day's dose."""
    count = len(prompts)
    if label:
        subject = label
    elif reminder:
        subject = ngettext(
            "Your question is still waiting",
            "Your %(n)d questions are still waiting",
            count,
        ) % {"n": count}
    else:
        subject = ngettext(
            "Your question for today", "Your %(n)d questions for today", count
        ) % {"n": count}
    context = {
        "rep": rep,
        "prompts": prompts,
        "questions": _one_tap_questions(prompts),
        "url": site_url("rep:today"),
        "unsubscribe_url": email_unsubscribe_url(rep_id=rep.pk),
        "reminder": reminder,
        "label": label,
        "subject": subject,
    }
    return _message(
        to=rep.email,
        subject=subject,
        template="daily_dose",
        context=context,
        headers=unsubscribe_headers(rep_id=rep.pk),
    )


def digest_email(*, manager: AbstractBaseUser, digest) -> EmailMultiAlternatives:
    """A frontline manager's weekly digest (`selectors.digests.ManagerDigestContent`)."""
    subject = _("Your teams' week of %(week)s") % {
        "week": digest.week.strftime("%-d %B")
    }
    return _message(
        to=manager.email,
        subject=subject,
        template="manager_digest",
        context={"manager": manager, "digest": digest, "subject": subject},
    )
