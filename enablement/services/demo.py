"""The demo organization: real content, three teams, managers and reps in several zones."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from enablement.models import Enrollment, Module, Organization, Team
from enablement.services.content_import import content_import_path
from enablement.services.people import PersonData, Role, person_upsert

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
DEMO_ORGANIZATION = "Acme Cloud"
DEMO_PASSWORD = "reinforce-demo"
# The enablement admin (people, teams, content; not a superuser) and an
# author (content only). Managers use /manager/, reps the rep pages.
ADMIN_USERNAME = "enablement"
AUTHOR_USERNAME = "author"

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


def _demo_person(
    organization: Organization, username: str, *, role: str, **data
) -> AbstractBaseUser:
    """A demo login through the people service, with the demo password.

    A person already there keeps their profile (a second run changes nothing)
    and gets the links of their role again.
    """
    User = get_user_model()
    email = f"{username}@acme.example"
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        person = PersonData(email=existing.email, role=role, team=data.get("team"))
        person_upsert(organization=organization, data=person)
        return existing
    result = person_upsert(
        organization=organization, data=PersonData(email=email, role=role, **data)
    )
    account = result.user
    account.username = username
    account.set_password(DEMO_PASSWORD)
    account.save(update_fields=["username", "password"])
    return account


@transaction.atomic
def demo_seed(*, today: dt.date | None = None) -> DemoSummary:
    """Create (or bring up to date) the demo organization; safe to run again."""
    today = today or timezone.localdate()
    organization, _ = Organization.objects.get_or_create(name=DEMO_ORGANIZATION)
    summary = DemoSummary(organization=organization)

    admin = _demo_person(
        organization, ADMIN_USERNAME, role=Role.ADMIN, first_name="Erin",
        last_name="Enablement",
    )  # fmt: skip
    _demo_person(
        organization, AUTHOR_USERNAME, role=Role.AUTHOR, first_name="Ari",
        last_name="Author",
    )  # fmt: skip
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        content_import_path(organization=organization, path=path, author=admin)

    modules = {
        m.key: m for m in Module.objects.filter(methodology__organization=organization)
    }
    rep_number = 0
    for team_name, manager_name, zones, module_keys in DEMO_TEAMS:
        team, _ = Team.objects.get_or_create(organization=organization, name=team_name)
        _demo_person(
            organization, manager_name, role=Role.MANAGER, team=team,
            first_name="Manager", last_name=team_name.split()[0],
        )  # fmt: skip
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
            # The last rep of each team is a recent hire, for the ramp KPI.
            hired = today - dt.timedelta(
                days=30 if i == REPS_PER_TEAM - 1 else 400 + 17 * i
            )
            _demo_person(
                organization, username, role=Role.REP, team=team, first_name=first,
                last_name=LAST_NAMES[rep_number % len(LAST_NAMES)],
                time_zone=zones[i % len(zones)], delivery_hour=(8, 9, 10, 13)[i % 4],
                hired_on=hired,
            )  # fmt: skip
            summary.reps.append(username)
    summary.questions_imported = sum(m.questions.count() for m in modules.values())
    return summary
