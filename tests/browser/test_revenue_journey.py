"""Issue 15's journey on the demo, in Chromium and over real HTTP: the CRM link
from a signed HubSpot stage change to the rep's refresher, the refusals that
write nothing, the manager's outcome pages, and a campaign with its report.

The webhook is posted with urllib to live_server's real endpoint. Celery runs
eagerly (``task_always_eager`` on the project's app, restored after): the
ingest's after-commit signal runs ``stage_refreshers_task`` and then
``triggers_deliver_task`` in the request's thread, the same task functions a
worker runs (tests/integration/test_stage_refresher_worker.py runs them in a
real worker).
"""

import datetime as dt
import json
import re
import time
import urllib.error
import urllib.request

import pytest
from django.utils import timezone

from config.celery_app import app as celery_app
from enablement.models import Campaign, RepProfile
from enablement.services.demo import ADMIN_USERNAME, DEMO_PASSWORD, demo_seed
from reinforcement.models import Delivery, Prompt, PromptTrigger
from reinforcement.services.demo_history import demo_history_seed
from revenue.models import (
    CrmEvent,
    Opportunity,
    SalesStage,
    StageChange,
    StageRefresher,
)
from revenue.services.webhook_secrets import SIGNATURE_HEADER, webhook_headers
from tests.browser.conftest import ARTIFACTS, axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# HubSpot's default pipeline's stage id the admin gives the demo's Negotiation.
HUBSPOT_NEGOTIATION = "contractsent"
HISTORY_DAYS = 21  # the smallest demo history test_outcomes shows the chart on


@pytest.fixture
def eager_celery():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def _login(browser, live_server, username: str, next_url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    log_in(page, f"{live_server.url}/login/?next={next_url}", username, DEMO_PASSWORD)
    page.wait_for_load_state()
    return context, page


def _post(live_server, body: bytes, *, key_id, secret, stamp=None, signature=None):
    """POST to the webhook as HubSpot's custom code action would; (status, json)."""
    stamp = stamp or str(int(time.time()))
    headers = webhook_headers(key_id=key_id, secret=secret, body=body, timestamp=stamp)
    if signature:
        headers[SIGNATURE_HEADER] = signature
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/crm/events/?source=hubspot",
        data=body,
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Opportunity, StageChange, CrmEvent, Prompt)
    }


def _secret_issue(browser, live_server) -> tuple[str, str]:
    """The enablement admin adds a webhook secret in admin; (key id, secret)."""
    context, page = _login(browser, live_server, ADMIN_USERNAME, "/admin/")
    page.goto(f"{live_server.url}/admin/revenue/webhooksecret/add/")
    page.select_option("select[name=organization]", label="Acme Cloud")
    page.click("input[name=_save]")
    message = page.locator(".messagelist").inner_text()
    found = re.search(r"key id (whk_\S+), secret (whsec_\S+)", message)
    assert found, message
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "crm-webhook-secret.png"), full_page=True)
    context.close()
    return found.group(1), found.group(2)


def _deal_to_move() -> Opportunity:
    """An open deal of an Enterprise East rep, before Negotiation."""
    return (
        Opportunity.objects.filter(
            owner__rep_profile__team__name="Enterprise East",
            outcome=Opportunity.Outcome.OPEN,
            stage__name__in=["Qualification", "Proposal"],
        )
        .select_related("owner", "stage")
        .order_by("pk")
        .first()
    )


def _workflow_body(deal: Opportunity, entered_ms: int) -> bytes:
    """A HubSpot deal workflow's body (docs/revenue.md, "Wiring HubSpot")."""
    return json.dumps(
        {
            "objectId": deal.external_id,
            "portalId": 4471,
            "properties": {
                "dealstage": {"value": HUBSPOT_NEGOTIATION, "timestamp": entered_ms},
                "dealname": {"value": deal.name, "timestamp": entered_ms},
                "hs_lastmodifieddate": {"value": entered_ms},
            },
        }
    ).encode()


def test_revenue_journey_on_the_demo(browser, live_server, eager_celery):
    # given: the demo with three weeks of history and its simulated CRM
    today = timezone.localdate()
    demo_seed(today=today)
    demo_history_seed(today=today, days=HISTORY_DAYS)
    # The admin gives Negotiation its HubSpot stage id (the stage map's CRM key).
    SalesStage.objects.filter(name="Negotiation").update(
        external_id=HUBSPOT_NEGOTIATION
    )
    deal = _deal_to_move()
    assert deal is not None
    rep = deal.owner
    # The rep is at work now: their window opens this hour, every day.
    now = timezone.now()
    RepProfile.objects.filter(user=rep).update(
        time_zone="UTC", delivery_hour=now.hour, working_days="1234567"
    )
    key_id, secret = _secret_issue(browser, live_server)

    # (b) a bad signature, an old timestamp: 401, nothing written
    entered_ms = int(time.time() * 1000)
    body = _workflow_body(deal, entered_ms)
    before = _counts()
    status, answer = _post(
        live_server, body, key_id=key_id, secret=secret, signature="sha256=" + "0" * 64
    )
    assert (status, answer["error"]["code"]) == (401, "signature_invalid")
    stale = str(int(time.time()) - 6 * 60)
    status, answer = _post(live_server, body, key_id=key_id, secret=secret, stamp=stale)
    assert (status, answer["error"]["code"]) == (401, "signature_invalid")
    assert _counts() == before
    assert not PromptTrigger.objects.exists()

    # (a) the signed stage change: applied, and the refresher made and sent
    status, answer = _post(live_server, body, key_id=key_id, secret=secret)
    assert status == 202, answer
    assert [r["status"] for r in answer["results"]] == ["applied"]
    deal.refresh_from_db()
    assert deal.stage.name == "Negotiation"
    refresher = StageRefresher.objects.get(opportunity=deal)
    assert refresher.status == "made", refresher.detail
    trigger = refresher.trigger
    label = f"Refresher for {deal.name} (entered Negotiation)"
    assert trigger.label == label
    assert Delivery.objects.filter(trigger=trigger, status="sent").exists()

    # (b) the same event replayed (signed afresh): a duplicate, nothing written
    after = _counts()
    assert after["StageChange"] == before["StageChange"] + 1
    status, answer = _post(live_server, body, key_id=key_id, secret=secret)
    assert status == 202
    assert [r["status"] for r in answer["results"]] == ["duplicate"]
    assert _counts() == after
    assert PromptTrigger.objects.count() == 1

    # the rep's Today page: the refresher first, with the deal's label
    context, page = _login(browser, live_server, rep.username, "/")
    page.goto(f"{live_server.url}/")
    assert page.locator("[data-trigger]").inner_text() == label
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "rep-deal-refresher.png"), full_page=True)
    context.close()

    # (c) the manager: Outcomes on the dashboard, the retention chart, no serious
    # or critical axe finding
    context, page = _login(browser, live_server, "manager.east", "/manager/")
    page.wait_for_selector("#outcomes")
    assert "%" in page.locator("#outcomes #kpi-win-rate b").text_content()
    assert axe_violations(page) == []
    page.locator("#outcomes").screenshot(
        path=str(ARTIFACTS / "journey-manager-outcomes.png")
    )
    page.click("text=Retention against outcomes")
    page.wait_for_selector("svg.conversion-bands")
    assert page.locator("svg.conversion-bands line.whisker").count() >= 1
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "journey-retention.png"), full_page=True)
    context.close()

    # (d) the enablement admin creates a campaign in admin, in the history's past
    starts, ends = today - dt.timedelta(days=10), today - dt.timedelta(days=3)
    context, page = _login(browser, live_server, ADMIN_USERNAME, "/admin/")
    page.goto(f"{live_server.url}/admin/enablement/campaign/add/")
    page.select_option("select[name=organization]", label="Acme Cloud")
    page.fill("input[name=name]", "Negotiation clinic")
    for field, option in (
        ("topics", "Paper process"),
        ("teams", "Enterprise East"),
    ):
        page.select_option(f"#id_{field}_from", label=option)
        page.click(f"#id_{field}_add")
    page.fill("input[name=starts_on]", starts.isoformat())
    page.fill("input[name=ends_on]", ends.isoformat())
    page.fill("input[name=boost]", "1.5")
    page.fill("textarea[name=note]", "Deals stall in Negotiation: paper process.")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    campaign = Campaign.objects.get(name="Negotiation clinic")
    assert set(campaign.teams.values_list("name", flat=True)) == {"Enterprise East"}
    assert campaign.topics.count() == 1 and campaign.boost == 1.5
    # its report: both periods inside the history, figures before and after
    page.goto(f"{live_server.url}/manager/outcomes/campaigns/{campaign.pk}/")
    page.wait_for_selector("#campaign-did")
    assert "has not started" not in page.locator("#periods").inner_text()
    row = page.locator("#campaign-did tbody tr").first
    cells = row.locator("td.num").all_inner_texts()
    # Retention of the boosted topic: the campaign team before and after; the
    # other teams' cells are "–" when the random history has none of their
    # answers on that topic in a period, and the difference then says so.
    treated, control, effect = cells[:2], cells[2:4], cells[4]
    assert all("%" in cell for cell in treated), cells
    assert all("%" in cell or cell == "–" for cell in control), cells
    assert "not enough data" in effect or "–" not in control, cells
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "journey-campaign-report.png"), full_page=True)
    context.close()
