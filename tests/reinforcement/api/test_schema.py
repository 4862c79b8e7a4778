"""The OpenAPI schema is valid, and the API keeps every promise it makes.

Schemathesis runs as its own CLI (``schemathesis run --checks all``) against a
live server, once with a rep's token and once with a manager's, so every
check it has (server errors, undocumented statuses, content types, response
and request schemas, required fields and bounds, auth) runs on every
operation, the same way a developer would run it by hand.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories.enablement import (
    EnrollmentFactory,
    QuestionFactory,
    RepProfileFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt

# Generated test cases per operation and phase: enough for each phase to
# reach every parameter's bounds, few enough to keep each run near a minute.
MAX_EXAMPLES = 20
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_generated_schema_validates_without_warnings(tmp_path):
    """drf-spectacular's own OpenAPI 3 validation, failing on any warning."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/prompts/{prompt_id}/answer/" in text
    assert "jwtAuth" in text


@pytest.fixture
def tokens(transactional_db) -> dict[str, str]:
    """Access tokens of a rep with open prompts and of their team's manager."""
    profile = RepProfileFactory()
    questions = [
        QuestionFactory(module__methodology__organization=profile.team.organization)
        for _ in range(2)
    ]
    for question in questions:
        EnrollmentFactory(module=question.module, team=profile.team)
        make_prompt(rep=profile.user, question=question)
    manager = UserFactory()
    profile.team.managers.add(manager)
    return {
        "rep": str(RefreshToken.for_user(profile.user).access_token),
        "manager": str(RefreshToken.for_user(manager).access_token),
    }


def _schemathesis_run(*, url: str, token: str, report: Path) -> tuple[int, str]:
    # Run in the report's directory: schemathesis keeps a cache of earlier
    # runs in .schemathesis/ under its working directory, and each run here
    # starts from none.
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/api/v1/schema/?format=json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        # Fixed, so a run is repeatable; set another to explore.
        os.environ.get("SCHEMATHESIS_SEED", "11"),
        "--workers",
        "2",
        "--suppress-health-check",
        "all",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=report.parent,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_schemathesis_finds_no_failure(live_server, tokens, role, tmp_path):
    """Every operation, every schemathesis check, 0 failures, for both roles."""
    report = tmp_path / "events.ndjson"
    code, output = _schemathesis_run(
        url=live_server.url, token=tokens[role], report=report
    )
    artifacts = Path("test-artifacts")
    if artifacts.is_dir():
        (artifacts / f"schemathesis-{role}.txt").write_text(output)
    assert code == 0, output[-20000:]
    fuzzed = {
        event["recorder"]["label"]
        for event in _events(report, "ScenarioFinished")
        if event["phase"] == "fuzzing" and event["status"] == "success"
    }
    assert len(fuzzed) == 29, output[-4000:]


def _events(report: Path, kind: str) -> list[dict]:
    lines = (json.loads(line) for line in report.read_text().splitlines())
    return [line[kind] for line in lines if kind in line]
