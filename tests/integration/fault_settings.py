"""The production profile, with the tests' fast password hasher.

The fault tests run a real gunicorn on this; the factories hash passwords with
the test profile's MD5 hasher, which production's PBKDF2 list cannot check.
"""

from config.settings.production import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
