"""The OpenID Connect client of one identity provider: Authlib's Django client.

Authlib does the protocol: discovery, the authorization request with state,
nonce and a PKCE (S256) challenge kept in the session, the code exchange and
the ID token's validation (signature against the provider's JWKS, iss, aud,
exp, iat, nonce, at_hash). A client is built per request from the
organization's settings, so a changed secret takes effect at once.

Authlib checks ``aud`` only through ``azp`` unless told: a token for another
audience that names this client as ``azp`` would pass. The claims options
below require ``aud`` to contain the client id (OIDC Core 3.1.3.7, step 3) and
``iss`` to be the issuer the organization configured.
"""

from authlib.integrations.django_client import OAuth

from sso.models import IdentityProvider

SCOPES = "openid email profile"
# Seconds for each call to the provider (discovery, JWKS, token).
PROVIDER_TIMEOUT = 10


def id_token_claims_options(*, client, provider: IdentityProvider) -> dict:
    """What the ID token's iss and aud must be; ValueError if discovery disagrees."""
    issuer = client.load_server_metadata().get("issuer", "")
    if issuer.rstrip("/") != provider.issuer.rstrip("/"):
        # OIDC Discovery 4.3: the document's issuer is the one asked for.
        raise ValueError(f"discovery issuer {issuer!r} is not {provider.issuer!r}")
    return {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": provider.client_id},
    }


def oidc_client(*, provider: IdentityProvider):
    """An Authlib DjangoOAuth2App for this provider (no global registry)."""
    return OAuth().register(
        name=f"sso-{provider.pk}",
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.discovery_url,
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "default_timeout": PROVIDER_TIMEOUT,
        },
    )
