"""Cross-tenant probe of every URL outside admin, generated from the resolver.

Organization A ("alpha") and B ("beta") each have a row of every model
(tests/factories/tenancy.py). For every URL pattern, B's enablement admin,
frontline manager and rep (a JWT for the API, a session for pages) request it
with A's ids in the path and body, and with ``?organization=``/``?team=`` of A
on the scoped (KPI) ones: a URL naming A's objects is refused (403/404, or the
probe's own refusal), and a URL naming none shows nothing of A. A URL added
later fails ``test_every_url_is_probed_or_public`` until it has a probe here or
a reason to be public. Admin is probed by tests/enablement/test_admin_tenancy.py.
"""

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from enablement.models import Campaign, Module, Organization, Question, Team, Topic
from reinforcement.models import Answer, Prompt
from reinforcement.web.manager_views import CSV_TABLES
from tests.factories.tenancy import organization_world

pytestmark = pytest.mark.django_db

A, B = "alpha", "beta"
ROLES = ("admin", "manager", "rep")
REFUSED = (403, 404)
# A POST naming A's objects in its body: refused as invalid, missing or forbidden.
BODY_REFUSED = (400, 403, 404, 409, 422)
ADMIN_PREFIX = "admin/"  # tests/enablement/test_admin_tenancy.py

# URLs that hold no organization's data, and why.
PUBLIC = {
    "health/live": "liveness probe: answers 'ok', no data",
    "health/ready": "readiness probe: database and broker status only",
    "metrics": "process counters labelled by outcome, channel, task; no tenant "
    "labels (ops/metrics.py); behind METRICS_TOKEN when set",
    "api/v1/auth/token/": "sign-in with the caller's own credentials "
    "(tests/reinforcement/api/test_auth.py, tests/test_login_security.py)",
    "api/v1/auth/token/refresh/": "exchanges the caller's own refresh token",
    "api/v1/schema/": "the OpenAPI schema: describes the API, discloses no rows",
    "api/v1/docs/": "Swagger UI of the schema",
    "api/v1/redoc/": "Redoc of the schema",
    "login/": "the sign-in page (tests/test_login_security.py)",
    "logout/": "ends the caller's own session",
    "admin/password-reset/": "redirects to password-reset/ (Django admin's link)",
    "password-reset/": "asks for the caller's email; the same answer for every "
    "address (tests/enablement/test_invitations.py)",
    "password-reset/sent/": "the fixed 'check your inbox' page",
    "password-reset/<uidb64>/<token>/": "the signed single-use token is the "
    "credential of one person (tests/enablement/test_invitations.py)",
    "invitation/<uidb64>/<token>/": "the signed single-use token is the "
    "credential of one person (tests/enablement/test_invitations.py)",
    "scim/v2/^(?P<path>.*)$": "SCIM 2.0: a per-organization bearer token, not a "
    "session or JWT, decides the organization; probed across organizations in "
    "tests/provisioning/test_tenancy_and_tokens.py",
    "offline/": "the installed app's offline page: static, filled in the browser "
    "from the signed-in rep's own saved questions",
    "sw.js": "the service worker script: static code, no one's data",
    "email/answer/<str:token>/": "the signed, expiring one-tap link is the "
    "credential of one rep for one prompt (tests/reinforcement/web/test_email_links.py)",
    "email/unsubscribe/<str:token>/": "the signed link is the credential of one "
    "rep's email setting (tests/reinforcement/web/test_email_links.py)",
    "api/v1/crm/events/": "the CRM webhook: the HMAC signature of an "
    "organization's secret, not a session or JWT, decides the organization; "
    "refusals and cross-organization keys in tests/revenue/test_webhook.py",
    "sso/": "asks for a work email; names no organization (tests/sso)",
    "sso/callback/": "the identity provider's redirect, bound to the caller's "
    "own state and nonce (tests/sso)",
    # The Slack app (docs/slack.md): Slack's requests carry no session; bolt
    # refuses any without a valid X-Slack-Signature of the last 5 minutes,
    # and a signed one acts only for the Slack user it names, matched to a rep
    # of the workspace's organization (tests/slack_app/test_interactivity.py).
    "slack/events/": "Slack's signed events (app uninstalled); no session",
    "slack/interactivity/": "Slack's signed button clicks: the signed payload's "
    "Slack user answers only their own rep's prompts",
    "slack/commands/": "Slack's signed /reinforce: a refresher for the Slack "
    "user's own rep",
    "slack/oauth/redirect/": "Slack's OAuth redirect, bound to the caller's own "
    "signed state and session nonce (tests/slack_app/test_install.py)",
}


def _a_choice(world) -> int:
    return world[Question].choices.order_by("pk").first().pk


def _a_campaign(world) -> int:
    today = dt.date.today()
    campaign, _ = Campaign.objects.get_or_create(
        organization=world[Organization],
        name=f"{world[Organization].name} campaign",
        defaults={"starts_on": today, "ends_on": today},
    )
    return campaign.pk


@dataclass(frozen=True)
class Probe:
    method: str = "get"
    # A POST body naming A's objects (JSON under /api/, a form elsewhere).
    body: Callable[[dict], dict] | None = None
    # Takes the KPI scope's ?organization= and ?team=.
    scoped: bool = False
    # Other query parameters naming A's objects.
    query: Callable[[dict], dict] | None = None
    refused: tuple[int, ...] = REFUSED


KPI = Probe(scoped=True)
KPI_TOPIC = Probe(scoped=True, query=lambda w: {"topic": w[Topic].pk})
PROBES: dict[str, list[Probe]] = {
    "api/v1/auth/token/revoke/": [
        Probe(
            "post",
            body=lambda w: {"refresh": str(RefreshToken.for_user(w["rep"]))},
            refused=(401,),
        )
    ],
    "api/v1/me/": [Probe()],
    # The caller's own browsers only (tests/reinforcement/services/test_web_push.py
    # checks one rep cannot remove another's subscription).
    "api/v1/me/push-subscriptions/": [Probe()],
    "api/v1/prompts/": [Probe()],
    "api/v1/prompts/<uuid:prompt_id>/": [Probe()],
    "api/v1/prompts/<uuid:prompt_id>/answer/": [
        Probe(
            "post",
            body=lambda w: {
                "choice_ids": [_a_choice(w)],
                "confidence": "certain",
                "idempotency_key": uuid.uuid4().hex,
            },  # fmt: skip
        )
    ],
    "api/v1/progress/": [Probe()],
    "api/v1/topics/": [Probe()],
    "api/v1/engagement/": [Probe()],
    "api/v1/refreshers/": [
        Probe("post", body=lambda w: {"topic_id": w[Topic].pk}, refused=BODY_REFUSED),
        Probe("post", body=lambda w: {"module_id": w[Module].pk}, refused=BODY_REFUSED),
    ],
    **{
        f"api/v1/kpis/{name}/": [KPI]
        for name in (
            "summary",
            "heatmap",
            "coaching",
            "participation",
            "trends",
            "content",
            "misconceptions",
            "ramp",
            "memory-model",
        )
    },  # fmt: skip
    "api/v1/kpis/forgetting-curve/": [KPI_TOPIC],
    # Outcome KPIs, retention against outcomes, campaign reports (revenue).
    **{f"api/v1/kpis/outcomes/{n}/": [KPI] for n in ("summary", "reps", "retention")},
    "manager/outcomes/retention/": [KPI],
    "manager/outcomes/campaigns/": [KPI],
    "manager/outcomes/campaigns/<int:campaign_id>/": [Probe()],
    "manager/": [KPI_TOPIC],
    "manager/export/<slug:table>.csv": [KPI_TOPIC],
    "manager/coaching/": [KPI],
    "manager/definitions/": [Probe()],
    "manager/reps/<int:rep_id>/": [Probe()],
    "home/": [Probe()],
    "": [Probe()],
    "prompts/<uuid:prompt_id>/answer/": [
        Probe(
            "post",
            body=lambda w: {
                "choice": _a_choice(w),
                "confidence": "certain",
                "idempotency_key": uuid.uuid4().hex,
            },  # fmt: skip
        )
    ],
    "progress/": [Probe()],
    # Installs for the caller's own organization; ?organization= of A is refused.
    "slack/install/": [
        Probe(query=lambda w: {"organization": w[Organization].pk}),
    ],
    # The rep's own settings: no ids; a POST writes the caller's profile only.
    "settings/": [Probe()],
    "refresher/": [
        Probe(),
        Probe(
            "post",
            body=lambda w: {"topic": w[Topic].pk, "size": 3},
            refused=BODY_REFUSED,
        ),
    ],
}
# Values of A for each path parameter (several: each is probed).
PATH_VALUES: dict[str, Callable[[dict], list]] = {
    "prompt_id": lambda w: [w[Prompt].pk],
    "rep_id": lambda w: [w["rep"].pk],
    "table": lambda w: sorted(CSV_TABLES),
    "campaign_id": lambda w: [_a_campaign(w)],
}
# The parameters that name one of A's rows (a table name names none).
ID_PARAMETERS = {"prompt_id", "rep_id", "campaign_id"}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def url_routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the URL configuration outside admin, as its pattern text."""
    routes = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith(ADMIN_PREFIX):
                routes += url_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def urls_of(route: str, world: dict) -> list[str]:
    """The route with A's values in its parameters (every combination)."""
    urls = ["/" + route]
    for name in PARAMETER.findall(route):
        values = PATH_VALUES[name](world)
        urls = [
            re.sub(rf"<(?:\w+:)?{name}>", str(value), url, count=1)
            for url in urls
            for value in values
        ]
    return urls


@pytest.fixture
def worlds():
    world_a, world_b = organization_world(prefix=A), organization_world(prefix=B)
    User = get_user_model()
    for prefix, world in ((A, world_a), (B, world_b)):
        for role in ROLES:
            world[role] = User.objects.get(username=f"{prefix}-{role}")
    return world_a, world_b


def a_rows(world_a) -> dict:
    """What a write of B could have changed in A."""
    organization = world_a[Organization]
    return {
        "answers": Answer.objects.filter(question=world_a[Question]).count(),
        "prompts": list(
            Prompt.objects.filter(
                question__module__methodology__organization=organization
            ).values_list("pk", "status")
        ),
        "blacklisted": BlacklistedToken.objects.count(),
    }


def test_every_url_is_probed_or_public():
    """A URL without a probe or a reason to be public fails here."""
    routes = set(url_routes())
    unknown = routes - set(PROBES) - set(PUBLIC)
    assert not unknown, f"add a probe or a PUBLIC reason for: {sorted(unknown)}"
    stale = (set(PROBES) | set(PUBLIC)) - routes
    assert not stale, f"no such URL any more: {sorted(stale)}"
    assert all(reason.strip() for reason in PUBLIC.values())
    for route in PROBES:
        assert set(PARAMETER.findall(route)) <= set(PATH_VALUES), route


class Caller:
    """B's user: a bearer token under /api/, a session elsewhere."""

    def __init__(self, client, user):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}
        client.force_login(user)

    def request(self, probe: Probe, url: str, world_a: dict, query=None):
        api = url.startswith("/api/")
        headers = self.headers if api else {}
        if probe.method == "get":
            return self.client.get(url, query or {}, **headers)
        body = probe.body(world_a) if probe.body else {}
        if api:
            return self.client.post(
                url, json.dumps(body), content_type="application/json", **headers
            )
        return self.client.post(url, body)


def is_refused(response, probe: Probe) -> bool:
    """Refused with one of the probe's statuses, or, on a rep's page asked by
    someone who is not a rep, sent to their own dashboard."""
    if response.status_code in probe.refused:
        return True
    return response.status_code == 302 and response["Location"] == "/manager/"


def assert_nothing_of_a(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code)
    assert A not in response.content.decode(errors="replace"), what


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(PROBES), ids=lambda r: r or "root")
def test_organization_b_reads_and_writes_nothing_of_a(client, worlds, route, role):
    world_a, world_b = worlds
    caller = Caller(client, world_b[role])
    before = a_rows(world_a)
    scope_queries = (
        {"organization": world_a[Organization].pk},
        {"team": world_a[Team].pk},
        {"organization": world_a[Organization].pk, "team": world_a[Team].pk},
    )
    for probe in PROBES[route]:
        for url in urls_of(route, world_a):
            what = f"{probe.method.upper()} {url} as B's {role}"
            response = caller.request(probe, url, world_a)
            names_a = set(PARAMETER.findall(route)) & ID_PARAMETERS
            if names_a or probe.body is not None:
                assert is_refused(response, probe), (
                    what, response.status_code,
                )  # fmt: skip
            assert_nothing_of_a(response, what)
            if probe.scoped and role != "rep":
                # B's own scope answers, so the refusals below are A's alone.
                assert response.status_code == 200, what
            for query in scope_queries if probe.scoped else ():
                response = caller.request(probe, url, world_a, query)
                assert response.status_code in REFUSED, (what, query)
            if probe.query is not None:
                query = probe.query(world_a)
                response = caller.request(probe, url, world_a, query)
                assert_nothing_of_a(response, f"{what} {query}")
    assert a_rows(world_a) == before


def test_the_probe_would_see_a_leak(client, worlds):
    """Sanity: A's own rep gets A's prompt, so "alpha" in a body is a real signal."""
    world_a, _ = worlds
    caller = Caller(client, world_a["rep"])
    url = urls_of("api/v1/prompts/<uuid:prompt_id>/", world_a)[0]
    response = caller.request(Probe(), url, world_a)
    assert response.status_code == 200 and A in response.content.decode()
