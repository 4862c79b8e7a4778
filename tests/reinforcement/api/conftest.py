import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
)
from tests.factories.reinforcement import make_prompt


@pytest.fixture(autouse=True)
def _clear_throttles():
    # Throttle counts live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def module(organization):
    return ModuleFactory(methodology__organization=organization)


@pytest.fixture
def questions(module, team):
    EnrollmentFactory(module=module, team=team)
    return [QuestionFactory(module=module) for _ in range(3)]


@pytest.fixture
def prompts(rep, questions):
    return [
        make_prompt(rep=rep, question=q, position=i)
        for i, q in enumerate(questions, start=1)
    ]


@pytest.fixture
def api(rep):
    client = APIClient()
    client.force_authenticate(rep)
    return client


@pytest.fixture
def other_rep(team):
    return RepProfileFactory(team=team).user
