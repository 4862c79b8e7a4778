"""Bad input is a clear 4xx in the API's error shape, never a 500 or an HTML page.

Runs on PostgreSQL and in the SQLite smoke run (scripts/test.sh), where an id
past 64 bits used to raise OverflowError.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reinforcement.models import Answer
from tests.reinforcement.api.support import answer_body

KPI_NAMES = [
    "summary",
    "heatmap",
    "coaching",
    "participation",
    "trends",
    "forgetting-curve",
    "content",
    "misconceptions",
    "ramp",
]
EXPORT_TABLES = [*KPI_NAMES]
HUGE = "1" * 30
NESTED = "[" * 5000 + "]" * 5000


@pytest.fixture
def manager(team, django_user_model):
    user = django_user_model.objects.create_user("boss", password="pw")
    team.managers.add(user)
    return user


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert all(isinstance(v, list) for v in error["fields"].values())
    return error


@pytest.mark.django_db
@pytest.mark.parametrize("name", KPI_NAMES)
@pytest.mark.parametrize("param", ["organization", "team", "topic"])
def test_a_30_digit_id_on_a_kpi_endpoint_is_a_400(manager, name, param):
    """?organization=, ?team= (and ?topic=) past 64 bits: 400 invalid, naming it."""
    client = APIClient()
    client.force_authenticate(manager)
    response = client.get(reverse(f"kpis:{name}"), {param: HUGE})
    if param == "topic" and name != "forgetting-curve":
        assert response.status_code == 200  # not a parameter of this endpoint
        return
    error = _error(response, 400)
    assert error["code"] == "invalid" and param in error["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["organization", "team", "topic"])
def test_a_30_digit_id_on_the_dashboard_is_a_400(client, manager, param):
    client.force_login(manager)
    response = client.get(reverse("manager:dashboard"), {param: HUGE})
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("table", EXPORT_TABLES)
@pytest.mark.parametrize("param", ["organization", "team"])
def test_a_30_digit_id_on_a_csv_export_is_a_400(client, manager, table, param):
    client.force_login(manager)
    response = client.get(reverse("manager:export", args=[table]), {param: HUGE})
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_empty_scope_parameter_still_means_all_on_the_dashboard(client, manager):
    """The dashboard's "all teams" choice sends ?team= empty; the API refuses it."""
    client.force_login(manager)
    assert client.get(reverse("manager:dashboard"), {"team": ""}).status_code == 200
    api = APIClient()
    api.force_authenticate(manager)
    response = api.get(reverse("kpis:summary"), {"team": ""})
    assert _error(response, 400)["fields"].keys() == {"team"}


@pytest.mark.django_db
def test_deeply_nested_json_is_a_400_on_answer_refresher_and_tokens(api, prompts, rep):
    """json's RecursionError is a 400 parse_error, not a 500."""
    paths = [
        reverse("api-answer-submit", args=[prompts[0].id]),
        reverse("api-refresher-create"),
        reverse("api-token-obtain"),
        reverse("api-token-refresh"),
        reverse("api-token-revoke"),
    ]
    for path in paths:
        response = api.post(path, NESTED, content_type="application/json")
        assert _error(response, 400)["code"] == "parse_error", path


@pytest.mark.django_db
def test_a_prompt_path_that_is_no_uuid_is_a_json_404(api):
    for path in ["/api/v1/prompts/12/", "/api/v1/prompts/null,null/answer/"]:
        assert _error(api.get(path), 404)["code"] == "not_found"
    assert _error(api.post(path, {}, format="json"), 404)["code"] == "not_found"


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_a_json_413(api, prompts, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = answer_body(prompts[0]) | {"padding": "x" * 2000}
    path = reverse("api-answer-submit", args=[prompts[0].id])
    response = api.post(path, body, format="json")
    assert _error(response, 413)["code"] == "request_too_large"
    form = api.post(path, {"padding": "x" * 2000})  # multipart: not parsed at all
    assert _error(form, 415)["code"] == "unsupported_media_type"
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_a_form_body_is_refused_with_415(api, prompts):
    """The API parses JSON only, as its schema says."""
    path = reverse("api-answer-submit", args=[prompts[0].id])
    response = api.post(path, answer_body(prompts[0]), format="multipart")
    assert _error(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_a_key_reused_with_another_body_is_a_422_mismatch(api, prompts):
    """Same key, same body: the first answer replayed; other choices or confidence: 422."""
    path = reverse("api-answer-submit", args=[prompts[0].id])
    body = answer_body(prompts[0], key="k-1")
    assert api.post(path, body, format="json").status_code == 201
    replay = api.post(path, body | {"response_ms": 999}, format="json")
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    wrong = answer_body(prompts[0], key="k-1", correct=False)
    error = _error(api.post(path, wrong, format="json"), 422)
    assert error["code"] == "idempotency_key_mismatch"
    unsure = body | {"confidence": "guess"}
    error = _error(api.post(path, unsure, format="json"), 422)
    assert error["code"] == "idempotency_key_mismatch"
    assert Answer.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answered_at",
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"],
)
def test_an_answer_dated_at_the_ends_of_the_calendar_is_no_500(
    api, prompts, answered_at
):
    """The client's clock is the client's: recorded if past, 422 if future."""
    path = reverse("api-answer-submit", args=[prompts[0].id])
    body = answer_body(prompts[0]) | {"client_answered_at": answered_at}
    response = api.post(path, body, format="json")
    assert response.status_code in (201, 422), response.content[:300]


@pytest.mark.django_db
def test_blank_credentials_and_keys_are_400_as_the_schema_says(api, prompts):
    """Blank or white-space strings: what the schema refuses, the views refuse."""
    path = reverse("api-answer-submit", args=[prompts[0].id])
    blank = answer_body(prompts[0]) | {"idempotency_key": ""}
    assert _error(api.post(path, blank, format="json"), 400)["fields"].keys() == {
        "idempotency_key"
    }
    spaced = answer_body(prompts[0]) | {"idempotency_key": " "}
    assert api.post(path, spaced, format="json").status_code == 201
    login = {"username": " ", "password": "pw"}
    response = api.post(reverse("api-token-obtain"), login, format="json")
    assert _error(response, 400)["code"] == "invalid"
