import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from enablement.models import (
    Choice,
    Enrollment,
    Methodology,
    Module,
    Organization,
    Question,
    RepProfile,
    Team,
    Topic,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class RepProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepProfile

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    time_zone = "UTC"
    delivery_hour = 9


class MethodologyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Methodology

    organization = factory.SubFactory(OrganizationFactory)
    key = factory.Sequence(lambda n: f"method-{n}")
    name = factory.Sequence(lambda n: f"Methodology {n}")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    organization = factory.SubFactory(OrganizationFactory)
    key = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    methodology = factory.SubFactory(MethodologyFactory)
    key = factory.Sequence(lambda n: f"module-{n}")
    name = factory.Sequence(lambda n: f"Module {n}")
    position = 1


class QuestionFactory(factory.django.DjangoModelFactory):
    """A published single-choice question with four choices, the first correct."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    module = factory.SubFactory(ModuleFactory)
    topic = factory.SubFactory(
        TopicFactory,
        organization=factory.SelfAttribute("..module.methodology.organization"),
    )
    key = factory.Sequence(lambda n: f"q-{n}")
    kind = Question.Kind.SINGLE_CHOICE
    stem = factory.Faker("sentence", nb_words=12)
    explanation = factory.Faker("sentence", nb_words=15)
    status = Question.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def choices(self, create, extracted, **kwargs):
        if not create:
            return
        specs = (
            extracted
            if extracted is not None
            else [
                ("Right", True),
                ("Wrong A", False),
                ("Wrong B", False),
                ("Wrong C", False),
            ]
        )
        for position, (text, correct) in enumerate(specs, start=1):
            Choice.objects.create(
                question=self, position=position, text=text, is_correct=correct
            )


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    module = factory.SubFactory(ModuleFactory)
    team = None
    rep = None
    starts_on = factory.LazyFunction(
        lambda: timezone.localdate() - dt.timedelta(days=1)
    )
