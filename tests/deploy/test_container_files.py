"""The Dockerfile passes hadolint and compose.yaml describes the production topology."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")


def test_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    done = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", "Dockerfile"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_runs_gunicorn_as_a_numeric_non_root_user_with_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert users[-1].split(":")[0].isdigit()
    assert "collectstatic --noinput" in dockerfile
    cmd = re.findall(r"^CMD (.+)$", dockerfile, re.M)[-1]
    assert yaml.safe_load(cmd) == SERVICES["web"]["command"]


def test_compose_has_the_five_services_and_the_migration():
    assert set(SERVICES) == {"migrate", "web", "worker", "beat", "postgres", "redis"}
    for name in ("web", "worker", "postgres", "redis"):
        assert SERVICES[name]["healthcheck"]["test"], name
    assert SERVICES["worker"]["deploy"]["replicas"] >= 2
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    assert "--hostname=worker@%h" in SERVICES["worker"]["command"]
    for name in ("web", "worker", "beat"):
        wait = SERVICES[name]["depends_on"]["migrate"]["condition"]
        assert wait == "service_completed_successfully"


def test_app_services_get_every_variable_production_settings_require():
    settings = (ROOT / "config/settings/production.py").read_text()
    required = set(re.findall(r'env(?:\.\w+)?\("([A-Z_]+)"\)', settings))
    assert {
        "DJANGO_SECRET_KEY",
        "JWT_SIGNING_KEY",
        "DATABASE_URL",
        "REDIS_URL",
    } <= required
    for name in APP_SERVICES:
        env = SERVICES[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert required <= set(env), (name, required - set(env))
        # Secrets have no default: compose refuses to start without them.
        assert ":?" in env["DJANGO_SECRET_KEY"]
        assert ":?" in env["JWT_SIGNING_KEY"]
        assert ":?" in env["DATABASE_URL"]


def test_redis_persists_the_broker_with_aof_and_never_evicts():
    command = SERVICES["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert any(v.endswith(":/data") for v in SERVICES["redis"]["volumes"])
    assert any(
        v.endswith(":/var/lib/postgresql/data") for v in SERVICES["postgres"]["volumes"]
    )
