import pytest

from tests.factories.enablement import (
    OrganizationFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)


@pytest.fixture
def organization():
    return OrganizationFactory()


@pytest.fixture
def team(organization):
    return TeamFactory(organization=organization)


@pytest.fixture
def rep_profile(team):
    return RepProfileFactory(team=team)


@pytest.fixture
def rep(rep_profile):
    return rep_profile.user


@pytest.fixture
def question():
    return QuestionFactory()
