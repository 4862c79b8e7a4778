"""Probes and the Prometheus exposition of the web process."""

import ast
import re
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories.enablement import EnrollmentFactory, ModuleFactory, QuestionFactory
from tests.factories.reinforcement import make_prompt
from tests.reinforcement.api.support import answer_body

pytestmark = pytest.mark.django_db


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_liveness_answers_without_authentication(client):
    """Liveness is 200 for anyone and touches no dependency."""
    response = client.get(reverse("health-live"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_checks_the_database_and_the_broker(client):
    """Readiness is 200 when the database and the broker both answer."""
    response = client.get(reverse("health-ready"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    assert set(body.values()) == {"OK"}
    assert any(name.startswith("Database") for name in body)
    assert any(name.startswith("Redis") for name in body)


def test_readiness_is_503_when_the_broker_is_unreachable(client):
    """An unreachable broker makes readiness 503 (not 500), naming the check."""
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = client.get(reverse("health-ready"), HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    redis = [v for k, v in response.json().items() if k.startswith("Redis")]
    assert redis and redis[0] != "OK"


def test_metrics_count_answers_by_outcome(client, rep, team, organization):
    """Each answer call counts once, under recorded, replayed or its refusal code."""
    # given: one open prompt
    module = ModuleFactory(methodology__organization=organization)
    EnrollmentFactory(module=module, team=team)
    prompt = make_prompt(rep=rep, question=QuestionFactory(module=module))
    api = APIClient()
    api.force_authenticate(rep)
    url = reverse("api-answer-submit", args=[prompt.id])
    before = client.get(reverse("metrics")).content.decode()
    # when: an answer, its replay, and a refusal
    assert api.post(url, answer_body(prompt), format="json").status_code == 201
    assert api.post(url, answer_body(prompt), format="json").status_code == 200
    other = make_prompt(rep=rep, question=QuestionFactory(module=module))
    bad = answer_body(other, key="key-2") | {"choice_ids": [999999]}
    refused = api.post(
        reverse("api-answer-submit", args=[other.id]), bad, format="json"
    )
    assert refused.status_code == 422, refused.json()
    code = refused.json()["error"]["code"]
    # then
    after = client.get(reverse("metrics")).content.decode()
    name = "reinforcement_answers_total"
    for outcome in ("recorded", "replayed", code):
        grown = sample(after, name, outcome=outcome) - sample(
            before, name, outcome=outcome
        )
        assert grown == 1, outcome


def test_metrics_ask_for_the_token_when_one_is_set(client):
    """With METRICS_TOKEN set, /metrics is 401 without the right bearer token."""
    with override_settings(METRICS_TOKEN="s3cret"):
        assert client.get(reverse("metrics")).status_code == 401
        wrong = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer nope")
        assert wrong.status_code == 401
        right = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer s3cret")
    assert right.status_code == 200
    assert b"reinforcement_answers" in right.content


def test_the_metrics_module_services_import_needs_no_django():
    """Services count through ops.metrics; it must stay as light as kpi_rules."""
    source = Path(__file__).resolve().parents[2] / "ops" / "metrics.py"
    tree = ast.parse(source.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - set(sys.stdlib_module_names) == {"prometheus_client"}
