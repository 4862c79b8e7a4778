"""Production settings log one JSON object per line, Django's and Celery's loggers alike."""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("Bad Request: %s", "/x", extra={"status_code": 400})
logging.getLogger("celery.worker").error("task failed")
"""


def test_production_log_lines_are_json_objects():
    """Each line is a JSON object with time, level, name, process, message and extras."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(
            secrets.token_bytes(32)
        ).decode(),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "reinforce.example.com",
        "DATABASE_URL": "postgres://user:pw@db.example.com:5432/reinforcement",
        "REDIS_URL": "redis://redis.example.com:6379/0",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert [(r["level"], r["name"]) for r in lines] == [
        ("WARNING", "django.request"),
        ("ERROR", "celery.worker"),
    ]
    assert lines[0]["message"] == "Bad Request: /x"
    assert lines[0]["status_code"] == 400
    assert {"time", "process"} <= set(lines[0])
