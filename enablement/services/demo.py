"""The demo organization: real content, three teams, managers and reps in several zones."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from enablement.models import Enrollment, Module, Organization, RepProfile, Team
from enablement.services.content_import import content_import_path
from enablement.services.groups import author_group_sync
from enablement.services.people import membership_join

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
DEMO_ORGANIZATION = "Acme Cloud"
DEMO_PASSWORD = "reinforce-demo"
ADMIN_USERNAME = "enablement"

# team name, manager username, rep time zones, enrolled module keys
DEMO_TEAMS = [
    (
        "Enterprise East",
        "manager.east",
        ["America/New_York", "America/Toronto", "America/New_York", "America/Chicago"],
        [
            "meddicc-foundations",
            "meddicc-in-the-deal",
            "objections-foundations",
            "discovery-foundations",
        ],
    ),
    (
        "Mid-Market West",
        "manager.west",
        [
            "America/Los_Angeles",
            "America/Denver",
            "America/Los_Angeles",
            "Pacific/Honolulu",
        ],
        [
            "spin-foundations",
            "spin-in-practice",
            "discovery-foundations",
            "objections-foundations",
        ],
    ),
    (
        "EMEA & APAC Commercial",
        "manager.emea",
        [
            "Europe/London",
            "Europe/Berlin",
            "Asia/Dubai",
            "Asia/Kolkata",
            "Australia/Sydney",
        ],
        [
            "challenger-foundations",
            "challenger-commercial-teaching",
            "meddicc-foundations",
            "discovery-foundations",
        ],
    ),
]
REPS_PER_TEAM = 11
FIRST_NAMES = [
    "Ava", "Ben", "Chloe", "Diego", "Emma", "Farah", "Gabe", "Hana", "Ivan", "Jade", "Kofi",
    "Lena", "Marco", "Nina", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe", "Aiden", "Bianca", "Carlos", "Dana", "Elif", "Finn", "Grace",
]  # fmt: skip
LAST_NAMES = [
    "Miller",
    "Okafor",
    "Schmidt",
    "Tanaka",
    "Rossi",
    "Nguyen",
    "Kowalski",
    "Silva",
]


@dataclass
class DemoSummary:
    organization: Organization
    managers: list[str] = field(default_factory=list)
    reps: list[str] = field(default_factory=list)
    questions_imported: int = 0


@transaction.atomic
def demo_seed(*, today: dt.date | None = None) -> DemoSummary:
    """Create (or bring up to date) the demo organization; safe to run again."""
    today = today or timezone.localdate()
    User = get_user_model()
    organization, _ = Organization.objects.get_or_create(name=DEMO_ORGANIZATION)
    summary = DemoSummary(organization=organization)

    def user(username: str, **extra) -> "User":
        account, created = User.objects.get_or_create(username=username, defaults=extra)
        if created:
            account.set_password(DEMO_PASSWORD)
            account.save()
        return account

    author_group = author_group_sync()
    admin = user(
        ADMIN_USERNAME, is_staff=True, first_name="Erin", last_name="Enablement",
        email="enablement@acme.example",
    )  # fmt: skip
    admin.groups.add(author_group)
    organization.admins.add(admin)
    membership_join(user=admin, organization=organization)
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        content_import_path(organization=organization, path=path, author=admin)

    modules = {
        m.key: m for m in Module.objects.filter(methodology__organization=organization)
    }
    rep_number = 0
    for team_name, manager_name, zones, module_keys in DEMO_TEAMS:
        team, _ = Team.objects.get_or_create(organization=organization, name=team_name)
        manager = user(
            manager_name, is_staff=True, first_name="Manager",
            last_name=team_name.split()[0], email=f"{manager_name}@acme.example",
        )  # fmt: skip
        team.managers.add(manager)
        membership_join(user=manager, organization=organization)
        summary.managers.append(manager_name)
        for key in module_keys:
            if key in modules:
                Enrollment.objects.get_or_create(
                    module=modules[key], team=team,
                    defaults={"starts_on": today - dt.timedelta(days=120)},
                )  # fmt: skip
        for i in range(REPS_PER_TEAM):
            rep_number += 1
            first = FIRST_NAMES[(rep_number - 1) % len(FIRST_NAMES)]
            username = f"rep{rep_number:02d}"
            account = user(
                username, first_name=first, last_name=LAST_NAMES[rep_number % len(LAST_NAMES)],
                email=f"{username}@acme.example",
            )  # fmt: skip
            # The last rep of each team is a recent hire, for the ramp KPI.
            hired = today - dt.timedelta(
                days=30 if i == REPS_PER_TEAM - 1 else 400 + 17 * i
            )
            RepProfile.objects.get_or_create(
                user=account,
                defaults={
                    "team": team,
                    "time_zone": zones[i % len(zones)],
                    "delivery_hour": (8, 9, 10, 13)[i % 4],
                    "hired_on": hired,
                },
            )
            membership_join(user=account, organization=organization)
            summary.reps.append(username)
    summary.questions_imported = sum(m.questions.count() for m in modules.values())
    return summary
