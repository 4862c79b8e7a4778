"""The production profile passes Django's deployment checklist given real values."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="reinforce.example.com",
        DATABASE_URL="postgres://user:pw@db.example.com:5432/reinforcement",
        REDIS_URL="redis://redis.example.com:6379/0",
    )
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_reports_no_issues():
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_fails_at_startup():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_ALLOWED_HOSTS="reinforce.example.com",
        DATABASE_URL="postgres://user:pw@db.example.com:5432/reinforcement",
        REDIS_URL="redis://redis.example.com:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_postgresql_prepares_hot_statements_unless_told_not_to(monkeypatch):
    from config.settings.base import database_settings

    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}
    options = database_settings(dict(postgres))["OPTIONS"]
    assert options == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "-1")
    assert database_settings(dict(postgres))["OPTIONS"]["prepare_threshold"] is None
    sqlite = database_settings({"ENGINE": "django.db.backends.sqlite3", "NAME": "x"})
    assert "OPTIONS" not in sqlite
