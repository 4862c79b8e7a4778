"""Secrets at rest: model fields stored encrypted with FIELD_ENCRYPTION_KEY.

For what the service must send back in clear to another system (an identity
provider's client secret, a Slack token, a CRM secret): a hash would not do.
The value is a Fernet token (AES-128-CBC with an HMAC-SHA256, from
``cryptography``) in the database and clear text on the model instance.

FIELD_ENCRYPTION_KEY is a comma-separated list of Fernet keys
(``Fernet.generate_key()``): the first encrypts, every one decrypts, so a key
is rotated by putting the new one first and re-saving the rows. Unset (in
development and tests), one key is derived from SECRET_KEY; production
requires its own (config/settings/production.py), so that rotating
SECRET_KEY never makes stored secrets unreadable.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be comma-separated Fernet keys"
        ) from error


def field_fernet() -> MultiFernet:
    """The MultiFernet of the current FIELD_ENCRYPTION_KEY setting."""
    keys = getattr(settings, "FIELD_ENCRYPTION_KEY", "") or _derived_key()
    return _fernet(keys)


def _derived_key() -> str:
    digest = hashlib.sha256(b"field-encryption:" + settings.SECRET_KEY.encode())
    return base64.urlsafe_b64encode(digest.digest()).decode()


def secret_encrypt(value: str) -> str:
    return field_fernet().encrypt(value.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return field_fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        # Wrong or rotated-out key: say so rather than return ciphertext.
        raise ImproperlyConfigured(
            "An encrypted field cannot be decrypted with FIELD_ENCRYPTION_KEY"
        ) from error


class EncryptedTextField(models.TextField):
    """A TextField whose database value is encrypted; not searchable or orderable."""

    description = "Text encrypted with FIELD_ENCRYPTION_KEY"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return secret_decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return secret_encrypt(value)
