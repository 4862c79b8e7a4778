"""The daily email's links: one tap answers once, a GET never answers, and the
one-click unsubscribe turns email off only on a POST."""

import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from enablement.models import AuditEntry, Question, RepProfile
from reinforcement.models import Answer, Delivery, EmailLinkUse, Prompt
from reinforcement.selectors.email_links import ANSWER_SALT
from reinforcement.services.answers import answer_submit
from reinforcement.services.delivery import plan_deliver
from reinforcement.services.plan_contexts import rep_contexts
from reinforcement.services.planning import plans_create
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^/\s]+(/email/answer/[^/\s\"]+/)")


def emailed_rep(*, kind=Question.Kind.SINGLE_CHOICE, questions=1):
    """A rep whose dose of ``questions`` was planned and emailed just now."""
    team = TeamFactory(
        organization__new_questions_per_day=questions,
        organization__default_daily_dose=questions,
    )
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(questions, module=module, kind=kind)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    rep = RepProfileFactory(team=team, working_days="1234567").user
    now = timezone.now()
    [outcome] = plans_create(rep_ids=[rep.id], now=now, ignore_delivery_hour=True)
    plan_deliver(plan_id=outcome.plan_id, now=now)
    return rep


def links_by_choice(message) -> dict[str, str]:
    """The plain-text part's one-tap links, by choice text."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(
            r"   - (.+?): https?://[^/\s]+(/email/answer/\S+/)", message.body
        )
    }


def prompt_of(rep) -> Prompt:
    return Prompt.objects.get(rep=rep)


def test_the_email_has_a_text_and_an_html_part_with_a_link_per_choice():
    rep = emailed_rep()
    [message] = mail.outbox
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert message.content_subtype == "plain"
    assert set(links_by_choice(message)) == {"Right", "Wrong A", "Wrong B", "Wrong C"}
    assert len(LINK.findall(html)) == 4
    assert prompt_of(rep).question.stem in html
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    assert re.fullmatch(
        r"<https?://[^>]+/email/unsubscribe/[^>]+/>",
        message.extra_headers["List-Unsubscribe"],
    )
    # the MIME message itself carries both parts and the headers
    raw = message.message().as_string()
    assert "multipart/alternative" in raw and "text/html" in raw
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_a_link_never_reveals_the_correct_choice():
    """The signed payload names the prompt, rep, choice and nonce, nothing more."""
    emailed_rep()
    links = links_by_choice(mail.outbox[0])
    payloads = [
        signing.TimestampSigner(salt=ANSWER_SALT).unsign_object(path.split("/")[3])
        for path in links.values()
    ]
    assert all(set(p) == {"p", "r", "c", "n"} for p in payloads)
    # one nonce for the question: the right choice's link is like the others
    assert len({p["n"] for p in payloads}) == 1
    assert len({p["p"] for p in payloads}) == 1


def test_a_get_shows_the_choice_selected_and_records_nothing():
    rep = emailed_rep()
    path = links_by_choice(mail.outbox[0])["Wrong A"]
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    wrong_a = prompt_of(rep).question.choices.get(text="Wrong A")
    assert re.search(rf'<input[^>]*value="{wrong_a.pk}"[^>]*checked', html)
    assert "How sure are you?" in html
    Client().get(path)  # a mail scanner's second visit
    assert not Answer.objects.exists() and not EmailLinkUse.objects.exists()
    assert prompt_of(rep).status == Prompt.Status.DELIVERED


def test_a_one_tap_answer_is_recorded_once_and_a_double_post_replays():
    rep = emailed_rep()
    path = links_by_choice(mail.outbox[0])["Right"]
    right = prompt_of(rep).question.choices.get(is_correct=True)
    client = Client(enforce_csrf_checks=True)
    client.get(path)  # the page sets the CSRF cookie
    body = {
        "choice": right.pk,
        "confidence": "certain",
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    }
    first = client.post(path, body)
    second = client.post(path, body)  # a double tap
    assert first.status_code == second.status_code == 200
    assert "Right" in first.content.decode()
    [answer] = Answer.objects.all()
    assert answer.channel == Answer.Channel.EMAIL and answer.correct
    assert answer.idempotency_key.startswith("email-")
    assert EmailLinkUse.objects.get().answer_id == answer.pk
    assert prompt_of(rep).status == Prompt.Status.ANSWERED
    # a used link's GET says so, and writes nothing
    again = client.get(path)
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert Answer.objects.count() == 1


def test_another_choice_of_an_answered_question_is_refused():
    rep = emailed_rep()
    links = links_by_choice(mail.outbox[0])
    question = prompt_of(rep).question
    Client().post(
        links["Right"],
        {"choice": question.choices.get(text="Right").pk, "confidence": "certain"},
    )
    # the same email's other link shares the nonce: it is used too
    response = Client().get(links["Wrong B"])
    assert response.status_code == 410
    assert Answer.objects.count() == 1


def test_a_tampered_link_is_refused():
    emailed_rep()
    path = links_by_choice(mail.outbox[0])["Right"]
    token = path.split("/")[3]
    tampered = path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    for response in (Client().get(tampered), Client().post(tampered, {})):
        assert response.status_code == 404
        assert "not valid" in response.content.decode()
    assert not Answer.objects.exists()


def test_an_expired_link_is_refused_and_points_to_the_open_question(settings):
    rep = emailed_rep()
    path = links_by_choice(mail.outbox[0])["Right"]
    settings.REINFORCEMENT_EMAIL_LINK_MAX_AGE_DAYS = -1  # every link is too old
    right = prompt_of(rep).question.choices.get(is_correct=True)
    post = Client().post(path, {"choice": right.pk, "confidence": "certain"})
    get = Client().get(path)
    for response in (post, get):
        assert response.status_code == 410
        html = response.content.decode()
        assert "expired" in html and "Answer it on the site" in html
    assert not Answer.objects.exists()


def test_a_select_all_link_opens_with_that_choice_ticked():
    rep = emailed_rep(kind=Question.Kind.MULTIPLE_CHOICE)
    links = links_by_choice(mail.outbox[0])
    assert "Select all that apply" in mail.outbox[0].body
    question = prompt_of(rep).question
    html = Client().get(links["Wrong B"]).content.decode()
    wrong_b = question.choices.get(text="Wrong B")
    assert re.search(
        rf'<input type="checkbox"[^>]*value="{wrong_b.pk}"[^>]*checked', html
    )
    assert len(re.findall(r'type="checkbox"[^>]*checked', html)) == 1


def test_unsubscribe_post_turns_email_off_and_a_get_does_not():
    rep = emailed_rep()
    profile = RepProfile.objects.get(user=rep)
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    path = re.search(r"https?://[^/]+(/\S+/)>", header).group(1)
    # given: an email still pending for the rep
    Delivery.objects.filter(channel="email").update(status="pending")

    page = Client().get(path)
    assert page.status_code == 200 and "Stop emails" in page.content.decode()
    assert RepProfile.objects.get(user=rep).channels_off == ""

    # RFC 8058: the mail client POSTs with no cookie, no CSRF token
    done = Client(enforce_csrf_checks=True).post(
        path, {"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200 and "Email is off" in done.content.decode()
    assert RepProfile.objects.get(user=rep).channels_off == "email"
    assert Delivery.objects.get(channel="email").status == "canceled"
    entry = AuditEntry.objects.filter(object_pk=str(profile.pk)).latest("timestamp")
    assert entry.cause == "email unsubscribe" and "channels_off" in entry.changes
    # and the next plans go out without email
    assert rep_contexts([rep.id], now=timezone.now())[rep.id].channels == ["inbox"]


def test_a_tampered_unsubscribe_link_changes_nothing():
    rep = emailed_rep()
    response = Client().post("/email/unsubscribe/not-a-token/")
    assert response.status_code == 404
    assert RepProfile.objects.get(user=rep).channels_off == ""


def test_a_question_answered_on_the_site_first_is_refused_by_its_link():
    rep = emailed_rep()
    path = links_by_choice(mail.outbox[0])["Right"]
    prompt = prompt_of(rep)
    right = prompt.question.choices.get(is_correct=True)
    answer_submit(
        rep_id=rep.id, prompt_id=prompt.id, choice_ids=[right.pk],
        confidence="certain", idempotency_key="web-1", now=timezone.now(),
    )  # fmt: skip
    get = Client().get(path)
    post = Client().post(path, {"choice": right.pk, "confidence": "guess"})
    for response in (get, post):
        assert response.status_code == 409
        html = response.content.decode()
        assert "already been answered" in html and "Answer it on the site" not in html
    assert Answer.objects.get().channel == "web"


def test_the_link_of_an_expired_question_says_its_time_is_over():
    rep = emailed_rep()
    path = links_by_choice(mail.outbox[0])["Right"]
    Prompt.objects.filter(rep=rep).update(status=Prompt.Status.EXPIRED)
    response = Client().get(path)
    assert response.status_code == 410
    assert "time to answer is over" in response.content.decode()
