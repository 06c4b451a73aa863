"""Wagtail admin for the framework: staff list and edit every model; others cannot get in."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape

from competencies.models import (
    AreaOfExpertise,
    Association,
    CategoryRequirement,
    Competency,
    EndorsementCategory,
    Program,
    RenewalRule,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [
    Program,
    AreaOfExpertise,
    Competency,
    Association,
    EndorsementCategory,
    CategoryRequirement,
    RenewalRule,
]


def _url(model, view: str, *args) -> str:
    return reverse(f"wagtailsnippets_competencies_{model._meta.model_name}:{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_framework_list_superuser_ok(client, superuser, model):
    client.force_login(superuser)

    response = client.get(_url(model, "list"))

    assert response.status_code == 200
    assert escape(str(model.objects.first())) in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_framework_edit_and_add_superuser_ok(client, superuser, model):
    client.force_login(superuser)

    edit = client.get(_url(model, "edit", model.objects.first().pk))
    add = client.get(_url(model, "add"))

    assert edit.status_code == add.status_code == 200


def test_framework_admin_menu_groups_models(client, superuser):
    client.force_login(superuser)

    response = client.get(reverse("wagtailadmin_home"))

    content = response.content.decode()
    assert "Framework" in content
    assert _url(Competency, "list") in content
    assert _url(CategoryRequirement, "list") in content


def test_competency_list_flags_and_filters_unconfirmed(client, superuser):
    client.force_login(superuser)
    confirmed = Competency.objects.get(slug="cultural-competence")
    unconfirmed = Competency.objects.get(slug="solving-problems")

    everything = client.get(_url(Competency, "list"), {"confirmed": "false"})
    content = everything.content.decode()

    assert everything.status_code == 200
    assert "Unconfirmed" in content
    assert unconfirmed.name in content
    assert confirmed.name not in content


def test_competency_list_filters_by_area(client, superuser):
    client.force_login(superuser)
    area = AreaOfExpertise.objects.get(slug="communicating")

    response = client.get(_url(Competency, "list"), {"area": area.pk})

    content = response.content.decode()
    assert response.status_code == 200
    assert "group process" in content
    assert "advocacy" not in content


def test_requirement_list_filters_by_association_and_category(client, superuser):
    client.force_login(superuser)
    pa = Association.objects.get(slug="pa-aimh")
    ifs = EndorsementCategory.objects.get(code="IFS")
    CategoryRequirement.objects.create(
        category=ifs, association=pa, effective_date=dt.date(2025, 1, 1), training_hours_min=30
    )

    by_association = client.get(_url(CategoryRequirement, "list"), {"association": pa.pk})
    by_category = client.get(_url(CategoryRequirement, "list"), {"category": ifs.pk})

    assert by_association.status_code == 200
    assert "IFS (pa-aimh, from 2025-01-01)" in by_association.content.decode()
    assert "IMHS (alliance" not in by_association.content.decode()
    assert "IFS (alliance, from 2024-01-01)" in by_category.content.decode()
    assert "IMHS (alliance" not in by_category.content.decode()


def test_competency_create_derives_slug_from_label(client, superuser):
    client.force_login(superuser)
    area = AreaOfExpertise.objects.get(slug="reflection")

    response = client.post(
        _url(Competency, "add"),
        {"name": "holding in mind", "slug": "", "area": area.pk, "order": 7},
    )

    assert response.status_code == 302
    created = Competency.objects.get(slug="holding-in-mind")
    assert created.area == area
    assert created.confirmed is False


def test_competency_edit_marks_confirmed(client, superuser):
    client.force_login(superuser)
    competency = Competency.objects.get(slug="solving-problems")

    response = client.post(
        _url(Competency, "edit", competency.pk),
        {
            "name": competency.name,
            "slug": competency.slug,
            "area": competency.area_id,
            "order": competency.order,
            "confirmed": "on",
        },
    )

    assert response.status_code == 302
    competency.refresh_from_db()
    assert competency.confirmed is True


def test_competency_edit_empty_label_refused(client, superuser):
    client.force_login(superuser)
    competency = Competency.objects.get(slug="solving-problems")

    response = client.post(
        _url(Competency, "edit", competency.pk),
        {"name": "", "slug": "", "area": competency.area_id, "order": 1},
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    competency.refresh_from_db()
    assert (competency.name, competency.slug) == ("solving problems", "solving-problems")


def test_requirement_create_window_min_above_max_refused(client, superuser):
    client.force_login(superuser)
    count = CategoryRequirement.objects.count()

    response = client.post(
        _url(CategoryRequirement, "add"),
        {
            "category": EndorsementCategory.objects.get(code="IFS").pk,
            "association": Association.objects.get(slug="pa-aimh").pk,
            "effective_date": "2025-01-01",
            "training_hours_min": "30",
            "rsc_hours": "24",
            "rsc_window_min_months": "24",
            "rsc_window_max_months": "12",
        },
    )

    assert response.status_code == 200
    assert "cannot exceed its longest" in response.content.decode()
    assert CategoryRequirement.objects.count() == count


def test_requirement_create_negative_hours_refused(client, superuser):
    client.force_login(superuser)
    count = CategoryRequirement.objects.count()

    response = client.post(
        _url(CategoryRequirement, "add"),
        {
            "category": EndorsementCategory.objects.get(code="IFS").pk,
            "association": Association.objects.get(slug="pa-aimh").pk,
            "effective_date": "2025-01-01",
            "training_hours_min": "-5",
        },
    )

    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    assert CategoryRequirement.objects.count() == count


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_framework_list_member_without_admin_access_refused(client, model):
    client.force_login(UserFactory())

    response = client.get(_url(model, "list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert escape(str(model.objects.first())) not in response.content.decode()


def test_competency_edit_member_without_admin_access_refused(client):
    client.force_login(UserFactory())
    competency = Competency.objects.get(slug="solving-problems")

    get = client.get(_url(Competency, "edit", competency.pk))
    post = client.post(
        _url(Competency, "edit", competency.pk),
        {"name": "hacked", "slug": "hacked", "area": competency.area_id, "order": 1},
    )

    assert get.status_code == post.status_code == 302
    assert post["Location"].startswith(reverse("wagtailadmin_login"))
    competency.refresh_from_db()
    assert competency.name == "solving problems"


def test_competency_edit_admin_user_without_framework_permission_refused(client):
    # Other editors reach the admin but need the model's change permission for the framework.
    editor = UserFactory()
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(editor)
    competency = Competency.objects.get(slug="solving-problems")

    listing = client.get(_url(Competency, "list"))
    post = client.post(
        _url(Competency, "edit", competency.pk),
        {"name": "hacked", "slug": "hacked", "area": competency.area_id, "order": 1},
    )

    assert listing.status_code == post.status_code == 302
    assert not post["Location"].startswith(_url(Competency, "list"))
    competency.refresh_from_db()
    assert competency.name == "solving problems"


def test_framework_list_anonymous_redirected_to_sign_in(client):
    response = client.get(_url(Competency, "list"))

    assert response.status_code == 302
    assert "login" in response["Location"]
