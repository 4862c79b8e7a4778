"""Authentication settings, imported by base.py: the API's tokens and the
sign-in throttle (django-axes).

/login/ and /admin/login/ (and every authenticate() with a request) are
throttled: LOGIN_FAILURE_LIMIT failures of one account, or from one client
address, pause its sign-in for LOGIN_LOCKOUT_MINUTES, even with the right
password. The address follows API_NUM_PROXIES, like the API throttles
(enablement/login_security.py). Attempts live in the database.
"""

import datetime as dt

import environ

env = environ.Env()  # base.py has read .env into the environment

# https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": dt.timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": dt.timedelta(days=30),
    # A refresh hands out a new refresh token and revokes the old one.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Its own secret, not SECRET_KEY: rotating one does not rotate the other,
    # and a leaked development key signs no production token. Required in
    # production (config/settings/production.py).
    "SIGNING_KEY": env(
        "JWT_SIGNING_KEY", default="insecure-development-jwt-key-change-me-0123456789"
    ),
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "enablement.login_security.client_address"
AXES_USERNAME_CALLABLE = "enablement.login_security.login_username"
AXES_LOCKOUT_CALLABLE = "enablement.login_security.lockout_response"
# No admin of its tables (admin is tenant-scoped; these rows are site-wide),
# and no row per successful sign-in.
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True
# No "AXES: BEGIN" line at every process start; failures and lockouts are
# still logged (axes.handlers).
AXES_VERBOSE = False
