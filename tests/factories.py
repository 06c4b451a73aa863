"""Factories for the suite. The competency framework comes from the data migration."""

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import User
from collaboratives.models import Cohort, Collaborative, Membership, Role, Room
from competencies.models import Program
from events.models import Session, Visibility

PASSWORD = "a-Long-test-passphrase-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 (factory_boy hook)
        if create:
            obj.save()


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("code",)

    code = "IMH-E"
    name = "Infant Mental Health Endorsement"


class CollaborativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collaborative

    name = factory.Sequence(lambda n: f"Learning Collaborative {n}")
    slug = factory.Sequence(lambda n: f"collaborative-{n}")
    program = factory.SubFactory(ProgramFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=300))


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    collaborative = factory.SubFactory(CollaborativeFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    slug = factory.Sequence(lambda n: f"cohort-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    cohort = factory.SubFactory(CohortFactory)
    name = "Cohort discussion"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    collaborative = factory.SubFactory(CollaborativeFactory)
    title = factory.Sequence(lambda n: f"Learning session {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda session: session.starts_at + dt.timedelta(hours=1))
    visibility = Visibility.COLLABORATIVE
