"""Roles an organization runs itself: the admin and author groups hold their
people; frontline managers leave Django admin for /manager/."""

from django.db import migrations

ADMIN_GROUP = "Enablement admin"
AUTHOR_GROUP = "Enablement author"


def roles_assign(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Organization = apps.get_model("enablement", "Organization")
    User = apps.get_model("auth", "User")
    # Permissions are (re)set by the post_migrate sync (enablement/apps.py).
    admin_group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
    author_group, _ = Group.objects.get_or_create(name=AUTHOR_GROUP)
    admins = User.objects.filter(administered_organizations__in=Organization.objects.all())
    authors = User.objects.filter(authored_organizations__in=Organization.objects.all())
    for user in admins.distinct():
        user.groups.add(admin_group)
    for user in authors.distinct():
        user.groups.add(author_group)
    User.objects.filter(
        managed_teams__isnull=False, is_superuser=False, is_staff=True
    ).exclude(pk__in=admins.values("pk")).exclude(pk__in=authors.values("pk")).update(
        is_staff=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("enablement", "0004_account_email"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="membership",
            options={
                "ordering": ["organization__name", "user__username"],
                "verbose_name": "person",
                "verbose_name_plural": "people",
            },
        ),
        migrations.RunPython(roles_assign, migrations.RunPython.noop),
    ]
