"""The pages show a service's refusal with the status of its code."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.errors import ApplicationError
from enablement.models import Question
from reinforcement.models import Answer
from reinforcement.web.errors import error_page
from tests.factories.enablement import QuestionFactory
from tests.factories.reinforcement import make_prompt


@pytest.mark.parametrize(("code", "status"), [("conflict", 409), ("invalid", 400)])
def test_error_page_has_the_status_of_the_code(code, status):
    request = RequestFactory().get("/")
    response = error_page(request, ApplicationError(code, "Try again later."))
    assert response.status_code == status
    assert "Try again later." in response.content.decode()


@pytest.mark.django_db
def test_answer_to_a_retired_question_shows_the_refusal(client, rep, organization):
    question = QuestionFactory(module__methodology__organization=organization)
    prompt = make_prompt(rep=rep, question=question)
    Question.objects.filter(pk=question.pk).update(status=Question.Status.RETIRED)
    client.force_login(rep)
    response = client.post(
        reverse("rep:answer", args=[prompt.id]) + "?source=daily",
        {
            "choice": question.choices.get(is_correct=True).id,
            "confidence": "certain",
            "idempotency_key": "x",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This question has been retired." in html and "?source=daily" in html
    assert not Answer.objects.exists()
