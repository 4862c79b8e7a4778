"""The audit log: who changed what, when, before and after; scoped per organization."""

import pytest
from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import reverse

from enablement.models import AuditEntry, Choice, Organization, Question, Team
from enablement.services.groups import author_group_sync
from enablement.services.people import PersonData, person_deactivate, person_upsert
from enablement.services.person_data import person_erase
from enablement.services.questions import ChoiceDraft, question_save
from enablement.services.roster_format import COLUMNS
from enablement.services.roster_import import roster_import
from sso.models import IdentityProvider
from tests.factories.enablement import (
    ModuleFactory,
    OrganizationFactory,
    QuestionFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
User = get_user_model()
Action = AuditEntry.Action
ROSTER = "\n".join(
    [
        ",".join(COLUMNS),
        'ada@x.io,Adelheid,Lovelacey,East,rep,UTC,8,"mon,tue",,hr-1',
        "bo@x.io,Bo,Smithers,East,manager,,,,,",
    ]
).encode()
CONTENT = """
methodologies: [{key: meddic, name: MEDDIC}]
topics: [{key: champion, name: Champion}]
modules: [{key: basics, name: Basics, methodology: meddic}]
questions:
  - key: q1
    module: basics
    topic: champion
    type: single_choice
    status: published
    stem: Who is the champion?
    explanation: The one who sells for you.
    choices:
      - {text: The seller inside, correct: true}
      - {text: The buyer}
"""


def entries_of(obj):
    return AuditEntry.objects.get_for_object(obj).order_by("pk")


def admin_of(organization, username: str, *codenames: str):
    user = UserFactory(username=username, is_staff=True)
    organization.admins.add(user)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_auditentry", *codenames],
        )
    )
    return user


def everything_logged() -> str:
    """Every entry's text, as stored: to look for what must not be there."""
    rows = AuditEntry.objects.annotate(text=Cast("changes", TextField())).values_list(
        "object_repr", "text", "actor_email", "cause", "additional_data"
    )
    return "\n".join(str(row) for row in rows)


@pytest.fixture
def acme():
    return OrganizationFactory(name="Acme")


def test_an_admin_edit_records_before_after_actor_and_organization(client, acme):
    """A team renamed in admin: one entry with the name's old and new value, by whom."""
    team = TeamFactory(organization=acme, name="East")
    admin = admin_of(acme, "enable", "change_team", "view_team")
    client.force_login(admin)
    response = client.post(
        reverse("admin:enablement_team_change", args=[team.pk]),
        {"organization": acme.pk, "name": "East Coast", "slack_webhook_url": ""},
    )
    assert response.status_code == 302
    entry = entries_of(team).filter(action=Action.UPDATE).get()
    assert entry.changes["name"] == ["East", "East Coast"]
    assert (entry.actor, entry.organization) == (admin, acme)
    assert entry.remote_addr == "127.0.0.1"


def test_a_change_of_team_managers_is_logged_as_a_many_to_many_change(acme):
    team = TeamFactory(organization=acme)
    manager = UserFactory(username="mgr@x.io")
    team.managers.add(manager)
    team.managers.remove(manager)
    changes = [e.changes["managers"] for e in entries_of(team).filter(action=1)]
    assert changes == [
        {"type": "m2m", "operation": "add", "objects": ["mgr@x.io"]},
        {"type": "m2m", "operation": "delete", "objects": ["mgr@x.io"]},
    ]


def test_publish_and_retire_in_admin_are_entries_with_their_cause(client, acme):
    module = ModuleFactory(methodology__organization=acme)
    question = QuestionFactory(
        module=module, topic=TopicFactory(organization=acme), status="draft"
    )
    admin = admin_of(acme, "enable", "change_question", "view_question")
    client.force_login(admin)
    url = reverse("admin:enablement_question_changelist")
    for action in ("publish_selected", "retire_selected"):
        client.post(url, {"action": action, "_selected_action": [question.pk]})
    updates = entries_of(question).filter(action=Action.UPDATE)
    assert [(e.cause, e.changes["status"], e.actor) for e in updates] == [
        ("publish", ["draft", "published"], admin),
        ("retire", ["published", "retired"], admin),
    ]


def test_an_import_logs_each_object_with_the_import_as_cause_and_the_command(
    acme, tmp_path
):
    """import_content: one entry per object (bulk-written choices too), its actor."""
    path = tmp_path / "meddic.yaml"
    path.write_text(CONTENT)
    call_command("import_content", str(path), "--org", "Acme")
    question = Question.objects.get(key="q1")
    entries = AuditEntry.objects.filter(cause=f"content import {path}")
    assert {e.content_type.model for e in entries} == {
        "methodology",
        "topic",
        "module",
        "question",
        "choice",
    }
    assert entries.filter(content_type__model="choice").count() == 2
    assert {(e.via, e.actor_id, e.organization_id) for e in entries} == {
        ("command import_content", None, acme.pk)
    }
    assert entries_of(question).get().changes["stem"] == [
        "None",
        "Who is the champion?",
    ]

    author = UserFactory(username="author@x.io", email="author@x.io")
    path.write_text(CONTENT.replace("The buyer", "The economic buyer"))
    call_command("import_content", str(path), "--org", "Acme", "--actor", "author@x.io")
    choice = Choice.objects.get(text="The economic buyer")
    entry = entries_of(choice).get()
    assert (entry.action, entry.actor, entry.via) == (
        Action.CREATE,
        author,
        "command import_content",
    )
    assert entries_of(question).last().changes["version"] == ["1", "2"]


def test_a_question_edit_logs_choice_updates_made_in_bulk(acme):
    question = QuestionFactory(
        module=ModuleFactory(methodology__organization=acme),
        topic=TopicFactory(organization=acme),
    )
    first = question.choices.order_by("position").first()
    drafts = [
        ChoiceDraft(c.text, c.is_correct, "New feedback" if c == first else "", id=c.pk)
        for c in question.choices.order_by("position")
    ]
    question_save(question=question, choices=drafts)
    entry = entries_of(first).get(action=Action.UPDATE)
    assert entry.changes == {"feedback": ["", "New feedback"]}
    assert entry.organization == acme


def test_a_roster_import_logs_the_people_it_writes_and_a_preview_logs_nothing(acme):
    importer = admin_of(acme, "enable")
    roster_import(organization=acme, data=ROSTER, dry_run=True, by=importer)
    assert not AuditEntry.objects.filter(cause="roster import").exists()
    roster_import(organization=acme, data=ROSTER, by=importer, invite=False)
    entries = AuditEntry.objects.filter(cause="roster import")
    ada = User.objects.get(email="ada@x.io")
    assert {e.content_type.model for e in entries} == {
        "user",
        "membership",
        "repprofile",
        "team",
    }
    assert {(e.actor, e.organization) for e in entries} == {(importer, acme)}
    assert entries_of(ada).get().changes["first_name"] == ["None", "Adelheid"]
    team = Team.objects.get(name="East")
    managers = entries_of(team).get(changes__has_key="managers")
    assert managers.changes["managers"]["objects"] == ["bo@x.io"]

    roster_import(organization=acme, data=ROSTER.replace(b",8,", b",10,"), by=importer)
    change = entries_of(ada.rep_profile).last()
    assert change.changes == {"delivery_hour": ["8", "10"]}


def test_settings_deactivation_and_the_secret_of_an_identity_provider(client, acme):
    """Organization and SSO settings are logged; the client secret never is."""
    admin = admin_of(
        acme,
        "enable",
        "change_organization",
        "view_organization",
        "change_identityprovider",
        "view_identityprovider",
    )
    client.force_login(admin)
    response = client.post(
        reverse("admin:enablement_organization_change", args=[acme.pk]),
        {
            "name": "Acme",
            "admins": [admin.pk],
            "target_retention": "0.88",
            "default_daily_dose": "3",
            "new_questions_per_day": "1",
            "prompt_window_days": "3",
            "email_delivery": "on",
            "working_days": "12345",
            "holidays-TOTAL_FORMS": "0",
            "holidays-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    entry = entries_of(acme).get(
        action=Action.UPDATE, changes__has_key="target_retention"
    )
    assert entry.changes["target_retention"] == ["0.85", "0.88"]
    assert entry.actor == admin

    provider = IdentityProvider.objects.create(
        organization=acme,
        issuer="https://idp.example/",
        client_id="acme",
        client_secret="s3cret-value-1",
    )
    provider.client_secret = "s3cret-value-2"
    provider.save()
    logged = [e.changes for e in entries_of(provider)]
    assert logged[1] == {"client_secret": ["(hidden)", "(hidden)"]}
    assert "s3cret" not in everything_logged()

    rep = person_upsert(
        organization=acme, data=PersonData(email="r@x.io", role="admin")
    ).user
    person_deactivate(membership=rep.membership)
    entry = entries_of(rep.membership).last()
    assert entry.cause == "deactivation" and "deactivated_at" in entry.changes


def test_an_admin_of_b_sees_none_of_a_even_through_filters(client, acme):
    """Listing, filters (organization, actor, object) and the entry itself."""
    rival = OrganizationFactory(name="Rival")
    a_admin = admin_of(acme, "a-admin")
    team_a = TeamFactory(organization=acme, name="zq-secret-team")
    TeamFactory(organization=rival, name="rival team")
    b_admin = admin_of(rival, "b-admin")
    client.force_login(b_admin)
    url = reverse("admin:enablement_auditentry_changelist")
    team_type = ContentType.objects.get_for_model(Team)
    queries = [
        {},
        {"organization__id__exact": acme.pk},
        {"actor__id__exact": a_admin.pk},
        {"content_type__id__exact": team_type.pk, "object_pk": team_a.pk},
        {"q": "zq-secret"},
    ]
    for query in queries:
        response = client.get(url, query)
        assert response.status_code in (200, 302), query
        if response.status_code == 200:
            listed = response.context["cl"].result_list
            assert all(e.organization_id == rival.pk for e in listed), query
            if "q" not in query:  # the search box repeats its term
                assert "zq-secret" not in response.content.decode(), query
    listed = client.get(url).context["cl"].result_list
    assert {e.object_repr for e in listed} >= {"rival team"}
    theirs = entries_of(team_a).first()
    response = client.get(
        reverse("admin:enablement_auditentry_change", args=[theirs.pk])
    )
    assert response.status_code == 302

    client.force_login(a_admin)
    response = client.get(
        url, {"content_type__id__exact": team_type.pk, "object_pk": team_a.pk}
    )
    assert [e.pk for e in response.context["cl"].result_list] == [theirs.pk]
    response = client.get(
        reverse("admin:enablement_auditentry_change", args=[theirs.pk])
    )
    assert response.status_code == 200 and "zq-secret-team" in response.content.decode()


def test_erasure_scrubs_the_persons_identity_from_every_entry(acme):
    roster_import(organization=acme, data=ROSTER, invite=False)
    ada = User.objects.get(email="ada@x.io")
    team = Team.objects.get(name="East")
    team.managers.add(ada)
    ada.first_name = "Adelheidi"
    ada.save()
    before = everything_logged()
    assert "ada@x.io" in before and "Lovelacey" in before and "hr-1" in before
    token = person_erase(user=ada, by="test")
    after = everything_logged()
    for identity in ("ada@x.io", "Adelheid", "Lovelacey", "hr-1"):
        assert identity not in after, identity
    assert token in after
    assert entries_of(team).filter(changes__managers__objects=[token]).exists()
    assert entries_of(ada).filter(cause="erasure").exists()


def test_answers_and_the_rest_of_reinforcement_are_not_audited():
    """Answers are the record already; the answer path writes no entries."""
    assert not [
        m for m in auditlog.get_models() if m._meta.app_label == "reinforcement"
    ]
    assert {m._meta.label for m in auditlog.get_models()} >= {
        "enablement.Question",
        "enablement.Enrollment",
        "sso.IdentityProvider",
        "auth.User",
    }
    assert Organization in auditlog.get_models()


def test_an_author_reads_their_organizations_content_entries_only(client, acme):
    """Authors work on content: people and settings entries stay with admins."""
    author = UserFactory(username="writer", is_staff=True)
    author.groups.add(author_group_sync())
    acme.authors.add(author)
    team = TeamFactory(organization=acme)
    module = ModuleFactory(methodology__organization=acme)
    client.force_login(author)
    response = client.get(reverse("admin:enablement_auditentry_changelist"))
    listed = {
        (e.content_type.model, e.object_pk) for e in response.context["cl"].result_list
    }
    assert ("module", str(module.pk)) in listed
    assert ("team", str(team.pk)) not in listed
    assert not any(model in ("organization", "user") for model, _ in listed)


def test_an_api_user_authenticated_after_the_middleware_is_the_actor(acme):
    """DRF authenticates a token in the view, after the middleware: still the actor."""
    from django.test import RequestFactory

    from enablement.audit import AuditMiddleware

    rep = UserFactory(username="self-service")
    team = TeamFactory(organization=acme)

    def view(request):
        request.user = rep  # what DRF does once the JWT is verified
        team.name = "Renamed by the API"
        team.save()
        return None

    request = RequestFactory().patch("/api/v1/me/", REMOTE_ADDR="10.0.0.7")
    request.user = AnonymousUser()
    AuditMiddleware(view)(request)
    entry = entries_of(team).get(action=Action.UPDATE)
    assert (entry.actor, entry.remote_addr) == (rep, "10.0.0.7")
    # Outside the request nothing names that user any more.
    team.name = "Renamed by a task"
    team.save()
    assert entries_of(team).last().actor is None


def test_a_forged_forwarded_for_header_is_not_the_address(client, acme):
    """Without trusted proxies (API_NUM_PROXIES=0) X-Forwarded-For is ignored."""
    team = TeamFactory(organization=acme, name="East")
    client.force_login(admin_of(acme, "enable", "change_team", "view_team"))
    client.post(
        reverse("admin:enablement_team_change", args=[team.pk]),
        {"organization": acme.pk, "name": "West", "slack_webhook_url": ""},
        HTTP_X_FORWARDED_FOR="not-an-address, 6.6.6.6",
    )
    assert entries_of(team).get(action=Action.UPDATE).remote_addr == "127.0.0.1"


def test_erase_person_command_is_the_actor_of_the_erasure(acme):
    person_upsert(organization=acme, data=PersonData(email="leaver@x.io", role="admin"))
    call_command("erase_person", "leaver@x.io", "--yes")
    entry = AuditEntry.objects.filter(
        cause="erasure", content_type__model="user"
    ).last()
    assert entry.via == "command erase_person" and entry.actor is None
    assert "leaver@x.io" not in everything_logged()
