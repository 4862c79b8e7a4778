import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from enablement.models import Enrollment, Organization, Question, RepProfile, Team
from enablement.services.demo import DEMO_PASSWORD, demo_seed

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Organization.objects.count(),
        Team.objects.count(),
        get_user_model().objects.count(),
        RepProfile.objects.count(),
        Question.objects.count(),
        Enrollment.objects.count(),
    )


def test_seed_demo_is_idempotent_and_complete():
    summary = demo_seed()
    first = snapshot()
    demo_seed()
    assert snapshot() == first
    organizations, teams, _, reps, questions, enrollments = first
    assert organizations == 1 and teams == 3
    assert reps >= 30
    assert questions >= 80
    assert Question.objects.filter(status=Question.Status.PUBLISHED).count() >= 80
    assert enrollments >= 9
    zones = set(RepProfile.objects.values_list("time_zone", flat=True))
    assert len(zones) >= 5
    assert len(summary.managers) == 3
    manager = get_user_model().objects.get(username=summary.managers[0])
    assert manager.check_password(DEMO_PASSWORD)
    assert manager.managed_teams.count() == 1


def test_seed_demo_command_prints_the_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    assert "manager.east" in out and "rep01" in out
