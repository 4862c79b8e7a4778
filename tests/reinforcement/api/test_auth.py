import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PROTECTED = [
    ("get", "api-me"),
    ("get", "api-prompt-list"),
    ("get", "api-progress"),
    ("get", "api-topic-list"),
    ("post", "api-refresher-create"),
    ("post", "api-token-revoke"),
]


def obtain(client, username, password="pw", **extra):
    return client.post(
        reverse("api-token-obtain"),
        {"username": username, "password": password},
        format="json",
        **extra,
    )


def test_login_returns_a_token_pair_that_authenticates(rep):
    client = APIClient()
    response = obtain(client, rep.username)
    assert response.status_code == 200
    tokens = response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = client.get(reverse("api-me"))
    assert me.status_code == 200
    body = me.json()
    assert (body["id"], body["username"], body["is_rep"]) == (
        rep.id,
        rep.username,
        True,
    )


def test_wrong_password_is_401_in_the_error_shape(rep):
    response = obtain(APIClient(), rep.username, "nope")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "no_active_account" and error["message"]
    assert error["fields"] == {}


def test_login_is_throttled_per_client(rep):
    """The eleventh attempt within a minute is refused, even with the right password."""
    client = APIClient()
    for _ in range(10):
        assert obtain(client, rep.username, "nope").status_code == 401
    response = obtain(client, rep.username)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert "Retry-After" in response.headers


def test_a_forged_forwarded_for_header_does_not_dodge_the_throttle(rep):
    client = APIClient()
    for i in range(10):
        response = obtain(
            client, rep.username, "nope", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        )
        assert response.status_code == 401
    assert (
        obtain(client, rep.username, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    )


def test_login_throttle_counts_are_shared_by_every_worker(rep, settings):
    """The counts live in Redis, not in one process's memory."""
    import redis

    client = APIClient()
    for _ in range(3):
        obtain(client, rep.username, "nope")
    server = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = [k.decode() for k in server.keys("*throttle*")]
    assert len(keys) == 1 and keys[0].endswith("throttle_login_127.0.0.1")


@pytest.mark.parametrize(("method", "name"), PROTECTED)
def test_endpoints_require_authentication(method, name):
    response = getattr(APIClient(), method)(reverse(name), {}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_prompt_endpoints_require_authentication(prompts):
    client = APIClient()
    prompt = prompts[0]
    assert client.get(reverse("api-prompt-detail", args=[prompt.id])).status_code == 401
    response = client.post(reverse("api-answer-submit", args=[prompt.id]), {})
    assert response.status_code == 401


def test_schema_and_docs_are_public():
    client = APIClient()
    assert client.get(reverse("api-schema")).status_code == 200
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    # Offline: the UI assets come from our static files (the sidecar), not a CDN.
    assert b"cdn" not in docs.content.lower()


def test_refresh_rotates_and_revoke_blacklists(rep):
    client = APIClient()
    tokens = obtain(client, rep.username).json()
    refreshed = client.post(
        reverse("api-token-refresh"), {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    # The old refresh token was rotated out.
    again = client.post(
        reverse("api-token-refresh"), {"refresh": tokens["refresh"]}, format="json"
    )
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "token_not_valid"

    new = refreshed.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new['access']}")
    revoked = client.post(
        reverse("api-token-revoke"), {"refresh": new["refresh"]}, format="json"
    )
    assert revoked.status_code == 204
    after = client.post(
        reverse("api-token-refresh"), {"refresh": new["refresh"]}, format="json"
    )
    assert after.status_code == 401


def test_revoking_someone_elses_token_is_refused(rep, other_rep):
    client = APIClient()
    theirs = obtain(client, other_rep.username).json()
    client.force_authenticate(rep)
    response = client.post(
        reverse("api-token-revoke"), {"refresh": theirs["refresh"]}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_revoke_with_garbage_is_401_as_on_refresh(api):
    """A refresh token that is not valid is a 401 token_not_valid, as on refresh."""
    response = api.post(reverse("api-token-revoke"), {"refresh": "x"}, format="json")
    assert response.status_code == 401


@pytest.fixture
def redis_down():
    """The shared cache points at a port where no Redis listens."""
    import socket

    from django.test import override_settings

    from reinforcement.api.throttles import throttle_cache

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/1",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    with override_settings(CACHES={"default": cache}):
        yield
    throttle_cache.clear()


def refresh(client, token, **extra):
    return client.post(
        reverse("api-token-refresh"), {"refresh": token}, format="json", **extra
    )


def test_login_and_refresh_work_while_redis_is_down(rep, redis_down, caplog):
    """No 500: the throttle counts in this process's memory, and says so once."""
    client = APIClient()
    response = obtain(client, rep.username)
    assert response.status_code == 200
    assert refresh(client, response.json()["refresh"]).status_code == 200
    assert obtain(client, rep.username).status_code == 200
    outage = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(outage) == 1 and outage[0].levelname == "ERROR"


def test_login_is_still_throttled_while_redis_is_down(rep, redis_down):
    """Not fail-open: a guesser gets the same ten attempts from this process."""
    client = APIClient()
    for _ in range(10):
        assert obtain(client, rep.username, "nope").status_code == 401
    assert obtain(client, rep.username).status_code == 429


def test_web_login_works_while_redis_is_down(client, rep, redis_down):
    # django-axes counts in the database: the tenth failure pauses sign-in.
    for i in range(10):
        failed = client.post(
            reverse("rep:login"), {"username": rep.username, "password": "x"}
        )
        assert failed.status_code == (429 if i == 9 else 200)
    assert (
        client.post(
            reverse("rep:login"), {"username": rep.username, "password": "pw"}
        ).status_code
        == 429
    )


def test_web_login_logs_in_while_redis_is_down(client, rep, redis_down):
    response = client.post(
        reverse("rep:login"), {"username": rep.username, "password": "pw"}
    )
    assert response.status_code == 302 and response.url == reverse("rep:home")


def test_refresh_is_not_throttled_per_address(team):
    """Twenty reps behind one NAT address each refresh: none is refused."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from tests.factories.enablement import RepProfileFactory

    client = APIClient()
    reps = [RepProfileFactory(team=team).user for _ in range(20)]
    statuses = [
        refresh(client, str(RefreshToken.for_user(user))).status_code for user in reps
    ]
    assert statuses == [200] * 20


def test_refresh_is_throttled_per_account(rep, other_rep):
    """The 31st refresh of one account in a minute is refused; another's is not."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    token = str(RefreshToken.for_user(rep))
    for _ in range(30):
        response = refresh(client, token)
        assert response.status_code == 200
        token = response.json()["refresh"]
    throttled = refresh(client, token)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert refresh(client, str(RefreshToken.for_user(other_rep))).status_code == 200


def test_refresh_with_garbage_is_counted_per_address():
    client = APIClient()
    statuses = {refresh(client, f"garbage-{i}").status_code for i in range(30)}
    assert statuses == {401}
    assert refresh(client, "garbage").status_code == 429
