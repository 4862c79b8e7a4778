"""The staff groups the product relies on."""

from django.contrib.auth.models import Group, Permission

AUTHOR_GROUP = "Enablement author"
# Content an author edits; users, teams and organizations stay with admins.
AUTHOR_MODELS = ("methodology", "module", "topic", "question", "choice", "enrollment")


def author_group_sync() -> Group:
    """Create or refresh the "Enablement author" group's permissions."""
    group, _ = Group.objects.get_or_create(name=AUTHOR_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="enablement", content_type__model__in=AUTHOR_MODELS
    )
    view_only = Permission.objects.filter(
        content_type__app_label="enablement",
        content_type__model__in=("team", "organization", "repprofile", "auditentry"),
        codename__startswith="view_",
    )
    group.permissions.set([*permissions, *view_only])
    return group
