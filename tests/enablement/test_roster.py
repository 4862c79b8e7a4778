"""Roster import and export: all or nothing, idempotent, through the people service."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enablement.models import Membership, RepProfile, Team
from enablement.services.people import PersonData, person_upsert
from enablement.services.roster_export import roster_export
from enablement.services.roster_format import COLUMNS, RosterImportError
from enablement.services.roster_import import roster_import
from tests.factories.enablement import OrganizationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
HEADER = ",".join(COLUMNS)


def roster(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


ADA = (
    'ada@x.io,Ada,Lovelace,East,rep,Europe/Berlin,8,"mon,tue,wed,thu,fri",2024-03-01,e1'
)
BOB = "bob@x.io,Bob,Stone,East,manager,,,,,e2"
CY = 'cy@x.io,Cy,,West,rep,America/New_York,,"sat,sun",,'


@pytest.fixture
def org():
    return OrganizationFactory(name="Acme")


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_a_roster_creates_reps_managers_and_teams(org):
    """Each row becomes a person; rep settings land on RepProfile; managers manage."""
    summary = roster_import(organization=org, data=roster(ADA, BOB, CY))
    assert (len(summary.created), len(summary.changed), summary.unchanged) == (3, 0, 0)
    assert sorted(summary.teams_created) == ["East", "West"]
    ada = RepProfile.objects.select_related("user__membership", "team").get(
        user__email="ada@x.io"
    )
    assert (ada.team.name, ada.time_zone, ada.delivery_hour) == (
        "East",
        "Europe/Berlin",
        8,
    )
    assert (ada.working_days, ada.hired_on) == ("12345", dt.date(2024, 3, 1))
    assert ada.user.membership.external_id == "e1"
    assert (ada.user.first_name, ada.user.last_name) == ("Ada", "Lovelace")
    assert not ada.user.has_usable_password()
    bob = User.objects.get(email="bob@x.io")
    assert list(bob.managed_teams.values_list("name", flat=True)) == ["East"]
    assert not bob.is_staff and not RepProfile.objects.filter(user=bob).exists()
    cy = RepProfile.objects.get(user__email="cy@x.io")
    assert (cy.working_days, cy.delivery_hour, cy.hired_on) == ("67", 9, None)
    assert summary.written


def test_reimporting_the_same_roster_writes_nothing(org):
    """0 created, 0 changed, no INSERT/UPDATE/DELETE, updated_at unchanged."""
    data = roster(ADA, BOB, CY)
    roster_import(organization=org, data=data)
    stamps = sorted(RepProfile.objects.values_list("updated_at", flat=True))
    with CaptureQueriesContext(connection) as queries:
        again = roster_import(organization=org, data=data)
    assert (len(again.created), len(again.changed), again.unchanged) == (0, 0, 3)
    assert again.is_noop and not again.written
    assert writes(queries) == []
    assert sorted(RepProfile.objects.values_list("updated_at", flat=True)) == stamps


def test_people_are_matched_by_external_id_then_email(org):
    """A new email under a known external id is the same person, renamed."""
    roster_import(organization=org, data=roster(ADA, CY))
    renamed = ADA.replace("ada@x.io", "ada.l@x.io").replace(",8,", ",10,")
    cy_by_email = CY.replace(",Cy,", ",Cyrus,")
    summary = roster_import(organization=org, data=roster(renamed, cy_by_email))
    assert summary.created == []
    changes = {c.email: c.fields for c in summary.changed}
    assert changes["ada.l@x.io"] == (
        ("email", "ada@x.io", "ada.l@x.io"),
        ("delivery_hour", "8", "10"),
    )
    assert changes["cy@x.io"] == (("first_name", "Cy", "Cyrus"),)
    assert User.objects.count() == 2 and Membership.objects.count() == 2


def test_empty_optional_cells_keep_the_stored_values(org):
    roster_import(organization=org, data=roster(ADA))
    sparse = "ada@x.io,,,East,rep,,,,,"
    summary = roster_import(organization=org, data=roster(sparse))
    assert summary.is_noop
    assert RepProfile.objects.get().time_zone == "Europe/Berlin"


@pytest.mark.parametrize(
    "data, error",
    [
        (b"", "row 1: header: the file is empty"),
        (roster(ADA, header=HEADER.replace(",team", "")), "missing columns: team"),
        (roster(header=HEADER + ",salary"), "row 1: header: unknown columns: salary"),
        (roster(), "row 2: row: the roster lists nobody"),
        ("\ufeff".encode("utf-16"), "UTF-16"),
        (roster("zoë@x.io,Zoë,,East,rep,,,,,").decode().encode("latin-1"), "not UTF-8"),
        (
            roster(ADA, ADA.replace("e1", "e9")),
            "row 3: email: 'ada@x.io' is also in row 2",
        ),
        (
            roster(ADA, CY + "e1"),
            "row 3: external_id: 'e1' is also in row 2",
        ),
        (roster("not-an-email,,,East,rep,,,,,"), "row 2: email: 'not-an-email' is not"),
        (roster("a@x.io,,,,rep,,,,,"), "row 2: team: required"),
        (
            roster("a@x.io,,,East,admin,,,,,"),
            "row 2: role: 'admin': use rep or manager",
        ),
        (
            roster("a@x.io,,,East,rep,Mars/Olympus,,,,"),
            "row 2: time_zone: 'Mars/Olympus'",
        ),
        (
            roster("a@x.io,,,East,rep,,24,,,"),
            "row 2: delivery_hour: '24': a whole hour",
        ),
        (roster("a@x.io,,,East,rep,,-1,,,"), "row 2: delivery_hour:"),
        (
            roster('a@x.io,,,East,rep,,,"mon,funday",,'),
            "row 2: working_days: unknown day",
        ),
        (
            roster('a@x.io,,,East,rep,,,"mon,mon",,'),
            "row 2: working_days: a day is repeated",
        ),
        (roster("a@x.io,,,East,rep,,,,01/02/2024,"), "row 2: hired_on: '01/02/2024'"),
        (roster("a@x.io,,,East,rep,,,,2024-02-30,"), "row 2: hired_on: '2024-02-30'"),
        (roster("a@x.io,,,East,rep,,,"), "row 2: row: 8 cells, the header has 10"),
        (roster('a@x.io,"unterminated'), "row"),
    ],
)
def test_a_bad_roster_is_refused_whole_with_row_field_messages(org, data, error):
    """Any bad row: nothing written, the error says row N: field: message."""
    good = roster(CY)
    roster_import(organization=org, data=good)
    before = (User.objects.count(), Team.objects.count(), RepProfile.objects.count())
    with pytest.raises(RosterImportError) as refused:
        roster_import(organization=org, data=data)
    assert any(error in line for line in refused.value.errors), refused.value.errors
    assert (
        User.objects.count(),
        Team.objects.count(),
        RepProfile.objects.count(),
    ) == before


def test_one_bad_row_among_good_ones_writes_nothing_and_lists_every_error(org):
    data = roster(ADA, "b@x.io,,,East,boss,,,,,", CY, "c@x.io,,,East,rep,,99,,,")
    with pytest.raises(RosterImportError) as refused:
        roster_import(organization=org, data=data)
    assert refused.value.errors == [
        "row 3: role: 'boss': use rep or manager",
        "row 5: delivery_hour: '99': a whole hour from 0 to 23",
    ]
    assert not User.objects.exists() and not Team.objects.exists()


def test_a_byte_order_mark_is_accepted(org):
    """Excel's "CSV UTF-8" starts with a BOM; the header still matches."""
    summary = roster_import(organization=org, data=b"\xef\xbb\xbf" + roster(ADA))
    assert len(summary.created) == 1


def test_an_email_of_another_organization_is_a_row_error(org):
    other = TeamFactory(organization=OrganizationFactory(name="Other"))
    person_upsert(
        organization=other.organization, data=PersonData(email="ada@x.io", team=other)
    )
    with pytest.raises(RosterImportError) as refused:
        roster_import(organization=org, data=roster(CY, ADA))
    assert refused.value.errors == [
        "row 3: email: ada@x.io belongs to another organization."
    ]
    assert not Team.objects.filter(organization=org).exists()


def test_an_external_id_and_an_email_of_two_people_is_refused(org):
    roster_import(organization=org, data=roster(ADA, CY))
    crossed = ADA.replace("ada@x.io", "cy@x.io")
    with pytest.raises(RosterImportError) as refused:
        roster_import(organization=org, data=roster(crossed))
    assert refused.value.errors[0].startswith("row 2: email: cy@x.io is another person")


def test_deactivate_missing_spares_admins_authors_and_the_importer(org):
    """Reps and managers absent from the file are deactivated; nobody else."""
    roster_import(organization=org, data=roster(ADA, BOB, CY))
    admin = UserFactory(username="boss", is_staff=True)
    org.admins.add(admin)
    author = UserFactory(username="writer", is_staff=True)
    org.authors.add(author)
    team = Team.objects.get(name="East")
    for user in (admin, author):  # who also happen to be reps
        person_upsert(organization=org, data=PersonData(email=user.email, team=team))
    importer = User.objects.get(email="bob@x.io")

    preview = roster_import(
        organization=org,
        data=roster(CY),
        deactivate_missing=True,
        dry_run=True,
        by=importer,
    )
    assert [c.email for c in preview.deactivated] == ["ada@x.io"]
    assert not Membership.objects.filter(deactivated_at__isnull=False).exists()

    done = roster_import(
        organization=org, data=roster(CY), deactivate_missing=True, by=importer
    )
    assert done.digest == preview.digest
    gone = Membership.objects.get(user__email="ada@x.io")
    assert gone.deactivated_at is not None and not gone.user.is_active
    assert Membership.objects.filter(deactivated_at__isnull=False).count() == 1
    # without the importer: the manager goes too
    done = roster_import(organization=org, data=roster(CY), deactivate_missing=True)
    assert [c.email for c in done.deactivated] == ["bob@x.io"]


def test_a_deactivated_person_in_the_roster_is_reactivated(org):
    roster_import(organization=org, data=roster(ADA, CY))
    roster_import(organization=org, data=roster(CY), deactivate_missing=True)
    summary = roster_import(organization=org, data=roster(ADA, CY))
    assert [(c.email, c.fields) for c in summary.changed] == [
        ("ada@x.io", (("active", "no", "yes"),))
    ]
    assert User.objects.get(email="ada@x.io").is_active


def test_a_dry_run_writes_nothing_and_a_changed_outcome_is_refused(org):
    """The digest of a preview: a confirm with another outcome writes nothing."""
    preview = roster_import(organization=org, data=roster(ADA), dry_run=True)
    assert len(preview.created) == 1 and not preview.written
    assert not User.objects.exists() and not Team.objects.exists()
    with pytest.raises(RosterImportError) as refused:
        roster_import(
            organization=org, data=roster(ADA, CY), expected_digest=preview.digest
        )
    assert "changed since the preview" in refused.value.errors[0]
    assert not User.objects.exists()
    done = roster_import(
        organization=org, data=roster(ADA), expected_digest=preview.digest
    )
    assert done.written and User.objects.count() == 1


def test_the_export_imports_back_as_a_no_op_with_formulas_neutralized(org):
    """Round trip; a cell starting with = + - @ is written behind a quote."""
    evil = 'eve@x.io,=HYPERLINK("x"),@SUM(1),+East,rep,UTC,0,"mon",,-7'
    roster_import(organization=org, data=roster(ADA, BOB, CY, evil))
    text = roster_export(organization=org)
    lines = text.splitlines()
    assert lines[0] == HEADER
    assert lines[1] == ADA
    assert lines[2] == BOB.replace(",,,,,", ",,,,,")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text and "'+East" in text
    assert text.rstrip().endswith(",'-7")
    again = roster_import(organization=org, data=text.encode())
    assert again.is_noop, again
    eve = User.objects.get(email="eve@x.io")
    assert (eve.first_name, eve.membership.external_id) == ('=HYPERLINK("x")', "-7")


def test_the_export_leaves_out_deactivated_people_and_other_organizations(org):
    roster_import(organization=org, data=roster(ADA, CY))
    roster_import(organization=org, data=roster(CY), deactivate_missing=True)
    other = OrganizationFactory(name="Other")
    roster_import(organization=other, data=roster("zed@y.io,,,North,rep,,,,,"))
    text = roster_export(organization=org)
    assert "cy@x.io" in text and "ada@x.io" not in text and "zed@y.io" not in text


def test_the_commands_import_dry_run_and_export(org, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(ADA, BOB))
    call_command("import_roster", str(path), "--organization", "Acme", "--dry-run")
    assert "dry run, nothing written: 2 created" in capsys.readouterr().out
    assert not User.objects.exists()
    call_command("import_roster", str(path), "--organization", "Acme")
    assert User.objects.count() == 2
    out = tmp_path / "out.csv"
    call_command("export_roster", str(out), "--organization", "Acme")
    assert out.read_bytes() == roster(ADA, BOB)
    call_command(
        "import_roster", str(out), "--organization", "Acme", "--deactivate-missing"
    )
    assert "0 created, 0 changed, 2 unchanged, 0 deactivated" in capsys.readouterr().out


def test_the_import_command_lists_errors_and_fails(org, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster("a@x.io,,,East,chief,,,,,"))
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--organization", "Acme")
    assert "row 2: role: 'chief': use rep or manager" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No organization named"):
        call_command("import_roster", str(path), "--organization", "Nope")
    with pytest.raises(CommandError, match="missing.csv"):
        call_command(
            "import_roster", str(tmp_path / "missing.csv"), "--organization", "Acme"
        )


def test_team_names_match_the_stored_team_case_insensitively(org):
    """'east' in the file is the stored 'East', not a second team."""
    roster_import(organization=org, data=roster(ADA))
    summary = roster_import(organization=org, data=roster(CY.replace("West", "east")))
    assert summary.teams_created == []
    assert RepProfile.objects.get(user__email="cy@x.io").team.name == "East"


def test_a_rep_listed_as_manager_becomes_one_and_stays_idempotent(org):
    roster_import(organization=org, data=roster(ADA))
    promoted = "ada@x.io,Ada,Lovelace,East,manager,,,,,e1"
    summary = roster_import(organization=org, data=roster(promoted))
    assert [c.field_names for c in summary.changed] == ["managed_teams"]
    assert roster_import(organization=org, data=roster(promoted)).is_noop


@pytest.mark.parametrize(
    "data",
    [
        roster("a@x.io,\x00,,East,rep,,,,,"),
        roster("a@x.io," + "x" * 200_000 + ",,East,rep,,,,,"),
        b"\r".join([HEADER.encode(), b"a@x.io,,,East,rep,,,,,"]),
        "\n".join([HEADER, "é@x.io,,,East,rep,,,,,"]).encode(),
    ],
    ids=["nul", "huge-cell", "cr-lines", "unicode-email"],
)
def test_odd_files_get_an_answer_not_a_crash(org, data):
    """Each is imported or refused with a row error; never another exception."""
    try:
        roster_import(organization=org, data=data)
    except RosterImportError as exc:
        assert all(line.startswith("row ") for line in exc.errors), exc.errors


def test_an_external_id_given_later_is_a_change_of_the_same_person(org):
    """Matched by email, the new external id is stored and shown in the preview."""
    roster_import(organization=org, data=roster(CY))
    summary = roster_import(organization=org, data=roster(CY + "hr-9"))
    assert [c.fields for c in summary.changed] == [(("external_id", "", "hr-9"),)]
    assert Membership.objects.get().external_id == "hr-9"


def test_the_people_a_roster_creates_are_invited_once(org):
    """One pending invitation per new person; a re-import or a dry run queues none."""
    from enablement.models import AccountEmail

    roster_import(organization=org, data=roster(ADA), dry_run=True)
    assert AccountEmail.objects.count() == 0
    roster_import(organization=org, data=roster(ADA, CY))
    roster_import(organization=org, data=roster(ADA, CY, BOB), invite=False)
    invited = AccountEmail.objects.filter(kind=AccountEmail.Kind.INVITATION)
    assert sorted(invited.values_list("user__email", flat=True)) == [
        "ada@x.io",
        "cy@x.io",
    ]
    assert set(invited.values_list("status", flat=True)) == {
        AccountEmail.Status.PENDING
    }
