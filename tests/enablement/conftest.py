import pytest

from enablement.services.groups import author_group_sync
from tests.factories.enablement import UserFactory


@pytest.fixture
def author_client(client):
    """A test client logged in as a staff user in the author group."""
    author = UserFactory(username="author", is_staff=True)
    author.groups.add(author_group_sync())
    client.force_login(author)
    return client
