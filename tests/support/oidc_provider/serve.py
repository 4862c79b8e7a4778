"""Run the test OIDC provider: migrate, create its client and users, serve.

    python -m tests.support.oidc_provider.serve CONFIG.json PORT

CONFIG holds client_id, client_secret, redirect_uris (list) and users
(email, password, given_name, family_name, email_verified). The process
serves until it is terminated; OIDC_PROVIDER_DIR holds its SQLite database.
"""

import json
import os
import sys


def _setup(config: dict) -> None:
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import Application

    from tests.support.oidc_provider.validators import UNVERIFIED_GROUP

    Application.objects.create(
        name="Sales reinforcement",
        client_id=config["client_id"],
        client_secret=config["client_secret"],  # stored hashed by the toolkit
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(config["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    unverified = Group.objects.create(name=UNVERIFIED_GROUP)
    for person in config["users"]:
        user = User.objects.create_user(
            username=person["email"],
            email=person["email"],
            password=person["password"],
            first_name=person.get("given_name", ""),
            last_name=person.get("family_name", ""),
        )
        if not person.get("email_verified", True):
            user.groups.add(unverified)


def main(config_path: str, port: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.support.oidc_provider.settings"
    import django
    from django.core.management import call_command

    django.setup()
    with open(config_path) as handle:
        config = json.load(handle)
    call_command("migrate", verbosity=0, interactive=False)
    _setup(config)
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)


if __name__ == "__main__":
    main(*sys.argv[1:])
