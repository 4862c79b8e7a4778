"""The restore drill of docs/deploy.md: pg_dump, restore into a fresh database, compare.

A small seeded history (the demo organization with eight days of plans and
answers) is dumped with pg_dump's custom format, restored with pg_restore into
a new database, and the restored copy must give the same KPI API answers to
every demo manager and hold the same rows (answers, memory states, people,
plans, deliveries, rollups) as the original.
"""

import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enablement.services.demo import demo_seed
from reinforcement.services.demo_history import demo_history_seed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
KPI_ENDPOINTS = [
    "summary", "heatmap", "coaching", "participation", "trends", "forgetting-curve",
    "content", "misconceptions", "ramp",
]  # fmt: skip


def libpq_env(settings: dict) -> dict[str, str]:
    env = {
        "PGHOST": settings["HOST"] or "",
        "PGPORT": str(settings["PORT"] or 5432),
        "PGUSER": settings["USER"] or "",
        "PATH": "/usr/bin:/bin",
    }
    if settings["PASSWORD"]:
        env["PGPASSWORD"] = settings["PASSWORD"]
    return env


def kpi_reads(managers) -> dict:
    """Every KPI endpoint as every manager sees it, plus the row counts."""
    cache.clear()
    api = APIClient()
    reads = {}
    for manager in managers:
        api.force_authenticate(manager)
        for name in KPI_ENDPOINTS:
            response = api.get(reverse(f"kpis:{name}"))
            assert response.status_code == 200, (name, response.content)
            reads[(manager.username, name)] = response.json()
    return reads


def rounded(value):
    """Floats to 9 places: a sum over rows in another physical order differs
    in the last bits, and predicted recall decays between the two reads."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = [
            t
            for t in connection.introspection.table_names(cursor)
            if t.startswith(("enablement_", "reinforcement_", "auth_user"))
        ]
        counts = {}
        for table in tables:
            cursor.execute(f'select count(*) from "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def use_database(name: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = name


def test_a_restored_dump_gives_the_same_kpis_and_answer_counts(tmp_path):
    """A pg_dump restored into a fresh database has every row and gives every
    manager the same KPI answers as the original."""
    # given: a small history: people, plans, answers, memory states, rollups
    today = timezone.localdate()
    summary = demo_seed(today=today)
    history = demo_history_seed(today=today, days=8)
    assert history.answers > 100
    managers = list(get_user_model().objects.filter(username__in=summary.managers))
    original_reads = kpi_reads(managers)
    original_counts = row_counts()
    assert original_counts["reinforcement_answer"] == history.answers
    assert original_counts["reinforcement_memorystate"] > 0
    assert original_counts["reinforcement_dailyplan"] > 0

    # when: the drill of docs/deploy.md
    settings = dict(connection.settings_dict)
    env = libpq_env(settings)
    dump = tmp_path / "reinforcement.dump"
    subprocess.run(
        [PG_BIN / "pg_dump", "--format=custom", "--no-owner", "--no-privileges",
         f"--file={dump}", settings["NAME"]],
        env=env, check=True,
    )  # fmt: skip
    restored = f"{settings['NAME']}_restored"
    subprocess.run([PG_BIN / "dropdb", "--if-exists", restored], env=env, check=True)
    subprocess.run([PG_BIN / "createdb", restored], env=env, check=True)
    subprocess.run(
        [PG_BIN / "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", f"--dbname={restored}", dump],
        env=env, check=True,
    )  # fmt: skip

    # then: the restored database reads the same
    try:
        use_database(restored)
        restored_counts = row_counts()
        restored_reads = kpi_reads(managers)
    finally:
        use_database(settings["NAME"])
        subprocess.run([PG_BIN / "dropdb", restored], env=env, check=True)
    assert restored_counts == original_counts
    assert restored_counts["reinforcement_answer"] == history.answers
    assert restored_reads.keys() == original_reads.keys()
    for key, original in original_reads.items():
        assert rounded(restored_reads[key]) == rounded(original), key
