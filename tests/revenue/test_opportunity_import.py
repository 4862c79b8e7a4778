"""CSV import of opportunities and stage history: whole file or nothing, once."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from enablement.services.groups import admin_group_sync
from revenue.models import Opportunity, StageChange
from revenue.services.opportunity_import import (
    OpportunityImportError,
    opportunity_import,
)
from tests.factories.enablement import UserFactory
from tests.revenue.conftest import NOW

pytestmark = pytest.mark.django_db

SALESFORCE = (
    b"Opportunity Owner,Owner Email,Opportunity ID,Opportunity Name,From Stage,To Stage,"
    b"Amount,Probability (%),Close Date,Last Modified,Created Date\n"
    b"Ana Lima,ana@example.com,006A,Acme,,Discovery,1000,10,1/31/2027,11/2/2026 9:00 AM,11/2/2026\n"
    b"Ana Lima,ana@example.com,006A,Acme,Discovery,Negotiation,1200,60,1/31/2027,11/20/2026 3:30 PM,11/2/2026\n"
    b"Bo Chen,bo@elsewhere.io,006B,Globex,,Closed Lost,500,0,11/25/2026,11/25/2026 10:00 AM,11/1/2026\n"
)

HUBSPOT = (
    b"Record ID,Deal Name,Deal Stage,Pipeline,Amount,Close Date,Create Date,Deal owner,"
    b'Last Modified Date,"Date entered ""Discovery (Sales Pipeline)""",'
    b'"Date entered ""Closed Won (Sales Pipeline)"""\n'
    b"9876,Initech,Closed Won,Sales Pipeline,4000,2026-11-28,2026-11-01 08:00,005ANA,"
    b"2026-11-28 10:00,2026-11-03 09:00,2026-11-28 10:00\n"
)


def run(organization, data, layout, **kwargs):
    return opportunity_import(
        organization=organization, data=data, layout=layout, now=NOW, **kwargs
    )


def test_a_salesforce_history_report_builds_the_history(organization, stages, seller):
    """Each row is a move; unknown owners are kept and reported."""
    result = run(organization, SALESFORCE, "salesforce")
    acme = Opportunity.objects.get(external_id="006A")
    assert (acme.stage.name, acme.owner, str(acme.amount)) == (
        "Negotiation",
        seller,
        "1200.00",
    )
    assert StageChange.objects.filter(opportunity=acme).count() == 2
    assert Opportunity.objects.get(external_id="006B").outcome == "lost"
    assert result.unknown_owners == ["bo@elsewhere.io"]


def test_reimporting_a_file_changes_nothing(organization, stages):
    """The same file again: every row a duplicate, no new history."""
    run(organization, SALESFORCE, "salesforce")
    again = run(organization, SALESFORCE, "salesforce")
    assert again.count("applied") == 0 and again.stage_change_ids == []
    assert StageChange.objects.count() == 3


def test_a_hubspot_export_reads_the_date_entered_columns(organization, stages, seller):
    """Date entered "<stage>" columns become the history; the owner id matches."""
    run(organization, HUBSPOT, "hubspot")
    deal = Opportunity.objects.get(external_id="9876")
    moves = list(deal.stage_changes.values_list("to_stage__name", flat=True))
    assert moves == ["Discovery", "Closed Won"]
    assert (deal.outcome, deal.owner) == ("won", seller)


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "row 1: file: is empty."),
        (b"\xff\xfe\x00", "row 1: file: is not UTF-8"),
        (b"name,stage\nx,y\n", "row 1: opportunity_id: the column is missing."),
        (
            b"opportunity_id,stage,stage_changed_at,amount\nA,Discovery,2026-11-01,lots\n",
            "row 2: amount: is not a number",
        ),
        (
            b"opportunity_id,stage,stage_changed_at\nA,Discovery,2026-11-01\nB,,2026-11-01\n",
            "row 3: stage: is required.",
        ),
        (b"opportunity_id,stage,stage_changed_at\nA,D,\x00\n", "row"),
        (
            b"opportunity_id,stage,stage_changed_at\nA,Discovery,someday\n",
            "row 2: stage_changed_at: is not a date and time",
        ),
    ],
)
def test_a_bad_file_is_refused_whole(organization, stages, data, message):
    """Any bad row: every error as row N: field: message, nothing written."""
    with pytest.raises(OpportunityImportError) as caught:
        run(organization, data, "generic")
    assert any(e.startswith(message) for e in caught.value.errors), caught.value.errors
    assert not Opportunity.objects.exists()


def test_the_command_dry_run_writes_nothing(organization, stages, tmp_path, capsys):
    """--dry-run prints the report and rolls back; a bad file is a CommandError."""
    path = tmp_path / "history.csv"
    path.write_bytes(SALESFORCE)
    call_command(
        "import_opportunities", str(path), "--organization", organization.name,
        "--format", "salesforce", "--dry-run",
    )  # fmt: skip
    assert "Dry run" in capsys.readouterr().out and not Opportunity.objects.exists()
    path.write_bytes(b"opportunity_id\n1\n")
    with pytest.raises(CommandError, match="row 1: stage: the column is missing"):
        call_command(
            "import_opportunities", str(path), "--organization", organization.name
        )


def test_admin_upload_previews_then_confirms(client, organization, stages):
    """Preview writes nothing; Confirm imports; another tenant's admin sees no form for this one."""
    admin = UserFactory(username="crm-admin", is_staff=True)
    organization.admins.add(admin)
    admin.groups.add(admin_group_sync())
    client.force_login(admin)
    url = reverse("admin:revenue_opportunity_import")
    upload = {"organization": organization.pk, "format": "salesforce"}
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        url, {**upload, "file": SimpleUploadedFile("h.csv", SALESFORCE)}
    )
    assert response.status_code == 200
    assert b"import-confirm" in response.content and not Opportunity.objects.exists()
    token = response.context["token"]
    response = client.post(
        reverse("admin:revenue_opportunity_import_confirm"), {"token": token}
    )
    assert response.status_code == 302
    assert Opportunity.objects.count() == 2
    bad = SimpleUploadedFile("bad.csv", b"Opportunity ID\n1\n")
    response = client.post(url, {**upload, "file": bad})
    assert b"row 1: To Stage: the column is missing." in response.content
