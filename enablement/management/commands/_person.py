from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def person_from_email(email: str):
    """The one user with this email (or username), or a CommandError saying why not."""
    User = get_user_model()
    users = list(User.objects.filter(email__iexact=email.strip())[:2]) or list(
        User.objects.filter(username__iexact=email.strip())[:2]
    )
    if not users:
        raise CommandError(f"No person has the email {email}.")
    if len(users) > 1:
        raise CommandError(
            f"More than one person has the email {email}; use the admin."
        )
    return users[0]
