"""axe-core finds no serious or critical violation on any rep or manager page.

Every page is checked at a phone's 390 px and a desktop's width, with the demo
organization and three weeks of simulated history, and no page scrolls
sideways on the phone (wide tables and the heat map scroll in their own box).
"""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from enablement.services.demo import ADMIN_USERNAME, DEMO_PASSWORD, demo_seed
from reinforcement.services.demo_history import demo_history_seed
from reinforcement.services.planning import plans_create
from tests.browser.conftest import ARTIFACTS, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
# The elements that stick out of the viewport, for a failure message.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + "#" + e.id + "." + e.className)"""


def check(page, name: str, width: int, found: dict) -> None:
    """Record the page's blocking violations and whether it scrolls sideways."""
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    if violations:
        found[name] = violations
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        found[f"{name} (scroll width {scroll})"] = page.evaluate(WIDEST)


def check_heatmap_keyboard(page, width: int) -> None:
    """The heat map is one Tab stop; arrow keys move between named cells."""
    grid = page.locator("svg.heatmap[role=grid]")
    assert grid.locator("[tabindex='0']").count() == 1
    assert grid.locator(".gridnav").count() > 50
    first = grid.locator("g.cell[tabindex='0']")
    first.focus()
    name = "document.activeElement.getAttribute('aria-label')"
    start = page.evaluate(name)
    page.keyboard.press("ArrowRight")
    right = page.evaluate(name)
    page.keyboard.press("ArrowDown")
    below = page.evaluate(name)
    assert start and right and below and len({start, right, below}) == 3
    assert start.split(":")[0].split(" × ")[0] == right.split(":")[0].split(" × ")[0]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # onto the row header: the rep's link
    assert page.evaluate("document.activeElement.tagName") == "a"
    # roving tabindex: still one Tab stop, and Tab leaves the grid
    assert grid.locator("[tabindex='0']").count() == 1
    page.keyboard.press("Tab")
    assert not page.evaluate("!!document.activeElement.closest('svg.heatmap')")
    # the skip link jumps past the grid to its legend
    skip = page.get_by_role("link", name="Skip the heat map")
    skip.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "after-heatmap"
    # legends are HTML that wraps: inside the page, items not overlapping
    for selector in ("#heatmap .legend-note", "ul.heatmap-legend", "ul.trend-legend"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, selector
    boxes = [li.bounding_box() for li in page.locator("ul.trend-legend li").all()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
            )  # fmt: skip
            assert apart, (a, b)


def _demo_campaign_id() -> int:
    from enablement.models import Campaign

    return Campaign.objects.order_by("pk").values_list("pk", flat=True).first()


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile("/login/"))


@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_page_has_no_serious_violation(browser, live_server, device):
    # given: the demo with history, and today's dose for rep01
    today = timezone.localdate()
    demo_seed(today=today)
    demo_history_seed(today=today, days=21)
    rep = get_user_model().objects.get(username="rep01")
    plans_create(rep_ids=[rep.id], now=timezone.now(), ignore_delivery_hour=True)
    width, height = WIDTHS[device]
    base = live_server.url
    found: dict = {}
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()

    # when: a visitor opens the login and password pages
    page.goto(base + "/login/")
    check(page, "login", width, found)
    # the login focuses the username field, not its heading
    assert page.evaluate("document.activeElement.name") == "username"
    page.goto(base + "/password-reset/")
    check(page, "password reset", width, found)
    uid = urlsafe_base64_encode(force_bytes(rep.pk))
    page.goto(f"{base}/password-reset/{uid}/{default_token_generator.make_token(rep)}/")
    expect(page.locator("input[type=password]").first).to_be_visible()
    check(page, "set password", width, found)

    # and rep01 goes through Today, a feedback page, Refresher and Progress
    log_in(page, base, "rep01")
    page.goto(base + "/")
    check(page, "today", width, found)
    page.goto(base + "/refresher/")
    check(page, "refresher", width, found)
    if page.locator("form.question").count() == 0:
        page.get_by_role("button", name="Start refresher").click()
        page.wait_for_load_state()
    choice = page.locator("input[name=choice]").first
    assert choice.count() or page.locator("form.question").count(), (
        page.url,
        page.inner_text("main"),
    )
    choice.check()
    page.locator("input[name=confidence]").first.check()
    page.get_by_role("button", name="Submit answer").click()
    expect(page.locator("h1")).to_be_visible()
    check(page, "feedback", width, found)
    page.goto(base + "/progress/")
    check(page, "progress", width, found)
    page.goto(base + "/settings/")
    check(page, "settings", width, found)
    context.close()

    # and the enablement admin goes through every manager page
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log_in(page, base, ADMIN_USERNAME)
    for name, path in [
        ("dashboard", "/manager/"),
        ("coaching", "/manager/coaching/"),
        ("rep page", f"/manager/reps/{rep.pk}/"),
        ("definitions", "/manager/definitions/"),
        ("retention against outcomes", "/manager/outcomes/retention/"),
        ("campaign reports", "/manager/outcomes/campaigns/"),
        ("campaign report", f"/manager/outcomes/campaigns/{_demo_campaign_id()}/"),
    ]:
        page.goto(base + path)
        check(page, name, width, found)
        if name == "dashboard":
            check_heatmap_keyboard(page, width)
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"manager-dashboard-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            for part in ("summary", "heatmap", "trends", "participation"):
                page.locator(f"#{part}").screenshot(
                    path=str(ARTIFACTS / f"manager-{part}-{width}.png")
                )
    context.close()

    # then: nothing serious or critical, and nothing scrolls sideways
    assert found == {}, json.dumps(found, indent=1)
