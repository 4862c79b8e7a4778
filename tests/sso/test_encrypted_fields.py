"""Secrets at rest: Fernet tokens under FIELD_ENCRYPTION_KEY, rotatable."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from enablement.encrypted_fields import secret_decrypt, secret_encrypt
from sso.models import IdentityProvider
from tests.factories.enablement import OrganizationFactory

ROOT = Path(__file__).resolve().parents[2]


def stored_secret(provider) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret FROM sso_identityprovider WHERE id = %s",
            [provider.pk],
        )
        return cursor.fetchone()[0]


def test_each_encryption_differs_and_decrypts(settings):
    """Fernet tokens carry a random IV: equal secrets do not look equal."""
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    first, second = secret_encrypt("s3cret"), secret_encrypt("s3cret")
    assert first != second
    assert secret_decrypt(first) == secret_decrypt(second) == "s3cret"


@pytest.mark.django_db
def test_a_key_is_rotated_by_putting_the_new_one_first(settings):
    """Rows written under the old key still read; a re-save moves them to the new."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = old
    provider = IdentityProvider.objects.create(
        organization=OrganizationFactory(),
        issuer="https://idp.example",
        client_id="c",
        client_secret="rotate-me",
    )
    settings.FIELD_ENCRYPTION_KEY = f"{new},{old}"
    provider = IdentityProvider.objects.get(pk=provider.pk)
    assert provider.client_secret == "rotate-me"
    provider.save()
    settings.FIELD_ENCRYPTION_KEY = new
    assert IdentityProvider.objects.get(pk=provider.pk).client_secret == "rotate-me"
    assert "rotate-me" not in stored_secret(provider)


@pytest.mark.django_db
def test_a_wrong_key_is_a_clear_configuration_error(settings):
    """Reading with a key that never encrypted the row says so, not garbage."""
    provider = IdentityProvider.objects.create(
        organization=OrganizationFactory(),
        issuer="https://idp.example",
        client_id="c",
        client_secret="x",
    )
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        IdentityProvider.objects.get(pk=provider.pk)


def test_a_malformed_key_is_refused(settings):
    settings.FIELD_ENCRYPTION_KEY = "not-a-fernet-key"
    with pytest.raises(ImproperlyConfigured, match="Fernet keys"):
        secret_encrypt("x")


def test_production_requires_its_own_field_encryption_key():
    """Production never falls back to a key derived from SECRET_KEY."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k != "FIELD_ENCRYPTION_KEY"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="reinforce.example.com",
        DATABASE_URL="postgres://user:pw@db.example.com:5432/reinforcement",
        REDIS_URL="redis://redis.example.com:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY" in result.stderr
