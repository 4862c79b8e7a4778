"""Roster import speed on PostgreSQL: a generated N-person roster (default 10,000).

Times, on an empty organization: the preview (a dry run, rolled back), the
import, the re-import of the same file (a no-op: 0 created, 0 changed, no
INSERT/UPDATE/DELETE), a re-import with 1% of the people changed, and the
export (which must import back as a no-op). Prints the figures; exits non-zero
if the import takes 60 s or more or the re-import writes anything. Run through
roster_import.sh, which starts a throwaway PostgreSQL.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Europe/London")
DAYS = ('"mon,tue,wed,thu,fri"', '"sun,mon,tue,wed,thu"', '"mon,tue,wed,thu"')
LIMIT_SECONDS = 60
WRITES = ("INSERT", "UPDATE", "DELETE")


def roster_text(people: int, teams: int, changed_every: int = 0) -> bytes:
    from enablement.services.roster_format import COLUMNS

    lines = [",".join(COLUMNS)]
    for i in range(people):
        team = f"Team {i % teams:03d}"
        role = "manager" if i < teams else "rep"
        hour = (8 + i) % 24 if changed_every and i % changed_every == 0 else 8 + i % 3
        lines.append(
            f"rep{i:05d}@bench.example,First{i},Last{i},{team},{role},"
            f"{ZONES[i % len(ZONES)]},{hour},{DAYS[i % len(DAYS)]},"
            f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},hr-{i:05d}"
        )
    return ("\n".join(lines) + "\n").encode()


def timed(label: str, function):
    counts = {"queries": 0, "writes": 0}

    def count(execute, sql, params, many, context):
        counts["queries"] += 1
        counts["writes"] += sql.lstrip().upper().startswith(WRITES)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
    print(
        f"{label:<32} {seconds:7.2f} s {counts['queries']:7d} queries "
        f"{counts['writes']:6d} writes  {result if not isinstance(result, str) else ''}"
    )
    return seconds, counts["writes"], result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=50)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)

    from enablement.models import Organization
    from enablement.services.roster_export import roster_export
    from enablement.services.roster_import import roster_import

    organization, _ = Organization.objects.get_or_create(name="Roster bench")
    data = roster_text(args.people, args.teams)
    print(
        f"{args.people} people, {args.teams} teams, {len(data) / 1e6:.1f} MB; "
        f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL "
        f"{connection.cursor().connection.info.server_version}"
    )

    def run(body: bytes, **options):
        return lambda: roster_import(organization=organization, data=body, **options)

    timed("preview (dry run, rolled back)", run(data, dry_run=True))
    imported, _, _ = timed("import", run(data))
    _, rewrites, again = timed("re-import (same file)", run(data))
    timed("re-import, 1% changed", run(roster_text(args.people, args.teams, 100)))
    timed("re-import, original again", run(data))
    seconds, _, text = timed("export", lambda: roster_export(organization=organization))
    _, export_writes, round_trip = timed("import of the export", run(text.encode()))
    ok = imported < LIMIT_SECONDS and rewrites == 0 and again.is_noop
    ok = ok and export_writes == 0 and round_trip.is_noop
    print("OK" if ok else "FAILED: slow import or a re-import that writes")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
