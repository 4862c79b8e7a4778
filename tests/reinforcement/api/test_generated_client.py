"""A client generated from the live schema with openapi-python-client works.

The generator runs as its CLI on the schema the live server serves, and the
generated package drives login, the prompt list, an answer, progress and a
KPI read against that server. Before the API parsed and documented JSON only,
this client sent every body as multipart and answering was refused.
"""

import importlib
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.factories.enablement import (
    EnrollmentFactory,
    QuestionFactory,
    RepProfileFactory,
)
from tests.factories.reinforcement import make_prompt

BIN = Path(sys.executable).parent
PACKAGE = "sales_reinforcement_client"


@pytest.fixture
def generated(live_server, tmp_path):
    """The generated client package, imported."""
    schema = tmp_path / "schema.json"
    url = f"{live_server.url}/api/v1/schema/?format=json"
    with urllib.request.urlopen(url) as response:
        document = json.loads(response.read())
    # The CRM webhook is called by a CRM, signed, never by this client (and
    # takes Salesforce's SOAP XML, which the generator does not model).
    document["paths"] = {
        path: item
        for path, item in document["paths"].items()
        if not path.startswith("/api/v1/crm/")
    }
    schema.write_text(json.dumps(document))
    done = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # Its post-generation hook formats the code with ruff, from PATH.
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _api(name: str):
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def _model(name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


@pytest.fixture
def rep_with_prompt(transactional_db):
    profile = RepProfileFactory()
    question = QuestionFactory(
        module__methodology__organization=profile.team.organization
    )
    EnrollmentFactory(module=question.module, team=profile.team)
    prompt = make_prompt(rep=profile.user, question=question)
    return profile.user, prompt


def test_a_generated_client_logs_in_answers_and_reads_progress_and_kpis(
    live_server, generated, rep_with_prompt
):
    rep, prompt = rep_with_prompt
    anonymous = generated.Client(base_url=live_server.url)
    login = _api("auth.auth_token_create").sync(
        client=anonymous,
        body=_model("TokenObtainInputRequest")(username=rep.username, password="pw"),
    )
    assert isinstance(login, _model("TokenPairOutput")), login
    client = generated.AuthenticatedClient(base_url=live_server.url, token=login.access)

    prompts = _api("rep.prompts_list").sync(client=client)
    assert [p.id for p in prompts.results] == [prompt.id]
    shown = prompts.results[0]
    right = prompt.question.choices.get(is_correct=True)
    assert right.id in [c.id for c in shown.question.choices]

    body = _model("AnswerInputRequest")(
        choice_ids=[right.id],
        confidence=_model("ConfidenceEnum").CERTAIN,
        idempotency_key=str(uuid.uuid4()),
        response_ms=4200,
    )
    answer = _api("rep.prompts_answer_create").sync_detailed(
        prompt_id=shown.id, client=client, body=body
    )
    assert answer.status_code == 201, answer.content
    assert answer.parsed.correct is True and answer.parsed.replayed is False
    replay = _api("rep.prompts_answer_create").sync_detailed(
        prompt_id=shown.id, client=client, body=body
    )
    assert replay.status_code == 200 and replay.parsed.replayed is True

    progress = _api("rep.progress_retrieve").sync(client=client)
    assert isinstance(progress, _model("ProgressOutput")), progress
    assert progress.answers_total == 1 and progress.introduced == 1

    summary = _api("kp_is.kpis_summary_retrieve").sync(client=client)
    assert isinstance(summary, _model("ScopeSummaryOutput")), summary
    assert summary.total.reps == 1

    refused = _api("rep.prompts_answer_create").sync(
        prompt_id=uuid.uuid4(), client=client, body=body
    )
    assert isinstance(refused, _model("Error"))
    assert refused.error.code == "prompt_not_found"
