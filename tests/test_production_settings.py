"""The production profile passes Django's deployment checklist given real values."""

import base64
import datetime as dt
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
        FIELD_ENCRYPTION_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        DJANGO_ALLOWED_HOSTS="reinforce.example.com",
        DATABASE_URL="postgres://user:pw@db.example.com:5432/reinforcement",
        REDIS_URL="redis://redis.example.com:6379/0",
        JWT_SIGNING_KEY=secrets.token_urlsafe(64),
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


def startup_without(*, missing: str, **env_overrides) -> subprocess.CompletedProcess:
    """``manage.py check`` on production settings with one secret not set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop(missing, None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_ALLOWED_HOSTS="reinforce.example.com",
        DATABASE_URL="postgres://user:pw@db.example.com:5432/reinforcement",
        REDIS_URL="redis://redis.example.com:6379/0",
    )
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_missing_secret_key_fails_at_startup():
    result = startup_without(missing="DJANGO_SECRET_KEY")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_missing_jwt_signing_key_fails_at_startup():
    """The JWT signing key is its own required secret, not SECRET_KEY."""
    # Every other required secret is set, so the JWT key is what is missing.
    result = startup_without(
        missing="JWT_SIGNING_KEY",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    )
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY" in result.stderr


def test_jwt_signing_key_defaults_apart_from_the_secret_key():
    """In development too, a token is not signed with SECRET_KEY."""
    from config.settings import base

    assert base.SIMPLE_JWT["SIGNING_KEY"] != base.SECRET_KEY


def test_postgresql_prepares_hot_statements_unless_told_not_to(monkeypatch):
    from config.settings.base import database_settings

    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}
    options = database_settings(dict(postgres))["OPTIONS"]
    assert options == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "-1")
    assert database_settings(dict(postgres))["OPTIONS"]["prepare_threshold"] is None


def test_sqlite_waits_for_the_write_lock_in_wal_mode():
    """SQLite, the embedded default, runs in WAL mode, waits 20 s for a writer and
    takes the write lock when a transaction begins (no "database is locked")."""
    from config.settings.base import database_settings

    sqlite = database_settings({"ENGINE": "django.db.backends.sqlite3", "NAME": "x"})
    assert sqlite["OPTIONS"] == {
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    assert "OPTIONS" not in database_settings({"ENGINE": "x.mysql", "NAME": "x"})


def _period(schedule) -> dt.timedelta:
    """The shortest gap between two firings: a plain interval (seconds), or a
    crontab's over a week of firings."""
    if isinstance(schedule, int | float):
        return dt.timedelta(seconds=schedule)
    t = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    gaps = []
    for _ in range(8):
        last, delta, _now = schedule.remaining_delta(t)
        gaps.append(last + delta - t)
        t = last + delta
    return min(gaps[1:])


def test_every_beat_entry_expires_before_its_next_firing():
    """A worker outage leaves at most one copy of each periodic run in the queue."""
    from django.conf import settings

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        expires = entry.get("options", {}).get("expires")
        assert expires, f"{name} has no expires"
        assert 0 < expires < _period(entry["schedule"]).total_seconds(), name


def test_visibility_timeout_exceeds_every_task_time_limit_and_retry_wait():
    """A task whose worker host died is redelivered after the visibility timeout
    (not kombu's hour), and no running or waiting task is redelivered early."""
    from django.conf import settings

    from config.celery_app import app

    app.loader.import_default_modules()  # registers the tasks, run alone too
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert timeout <= 900
    apps = ("reinforcement.", "enablement.", "revenue.", "slack_app.")
    tasks = {n: t for n, t in app.tasks.items() if n.startswith(apps)}
    assert len(tasks) >= 10
    for name, task in tasks.items():
        assert task.soft_time_limit and task.time_limit, f"{name} has no time limits"
        assert task.soft_time_limit < task.time_limit < timeout, name
        if getattr(task, "autoretry_for", None):
            assert task.retry_backoff_max < timeout, name
    assert app.conf.worker_prefetch_multiplier == 1 and app.conf.task_acks_late


def test_delivery_retries_a_locked_database():
    from django.db import OperationalError

    from reinforcement.tasks import plan_deliver_task

    assert OperationalError in plan_deliver_task.autoretry_for
