"""Debian's Chromium driven by Playwright, shared by the browser tests."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# from the test body are still plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach
# Google's hosts, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    # A missing browser fails the run: the test command installs Debian's chromium.
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing; run the test command"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# axe-core (MPL-2.0, vendored: see README's dependency notes), injected into the
# page under test so the check runs offline in the real browser.
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"][:5]],
            "summary": v["nodes"][0].get("failureSummary", "") if v["nodes"] else "",
        }
        for v in result["violations"]
        if v["impact"] in AXE_BLOCKING
    ]


def log_in(page, url: str, username: str, password: str) -> None:
    """Open ``url`` (a login page, site or admin) and submit its form."""
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("input[type=submit], button[type=submit]").first.click()
