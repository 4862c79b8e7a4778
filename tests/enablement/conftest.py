import pytest
from django.db.models.signals import post_save

from enablement.models import Organization
from enablement.services.groups import author_group_sync
from tests.factories.enablement import UserFactory


@pytest.fixture
def author_client(client):
    """A test client logged in as a staff user in the author group.

    Admin is scoped to the organizations a user administers, so the author
    administers every organization the test creates.
    """
    author = UserFactory(username="author", is_staff=True)
    author.groups.add(author_group_sync())

    def administer(sender, instance, created, **kwargs):
        if created:
            instance.admins.add(author)

    for existing in Organization.objects.all():
        existing.admins.add(author)
    post_save.connect(administer, sender=Organization, weak=False)
    client.force_login(author)
    yield client
    post_save.disconnect(administer, sender=Organization)
