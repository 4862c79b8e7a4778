"""The OpenID Connect client of one identity provider: Authlib's Django client.

Authlib does the protocol: discovery, the authorization request with state,
nonce and a PKCE (S256) challenge kept in the session, the code exchange and
the ID token's validation (signature against the provider's JWKS, iss, aud,
exp, iat, nonce, at_hash). A client is built per request from the
organization's settings, so a changed secret takes effect at once.
"""

from authlib.integrations.django_client import OAuth

from sso.models import IdentityProvider

SCOPES = "openid email profile"
# Seconds for each call to the provider (discovery, JWKS, token).
PROVIDER_TIMEOUT = 10


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
