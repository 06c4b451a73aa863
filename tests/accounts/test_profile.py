"""The profile page and profile_update: valid changes save, bad input changes nothing."""

import pytest
from django.urls import reverse

from accounts.counties import COUNTY_CHOICES, OUTSIDE_PENNSYLVANIA, PENNSYLVANIA_COUNTIES
from accounts.errors import DomainError
from accounts.models import Sector
from accounts.services import profile_update
from competencies.models import EndorsementCategory

PROFILE = "/accounts/profile/"
PROFILE_FIELDS = ("display_name", "sector", "county", "goal_category_id", "goal_is_renewal")


def snapshot(user):
    user.refresh_from_db()
    return {field: getattr(user, field) for field in PROFILE_FIELDS}


def valid_post(categories, **overrides):
    data = {
        "display_name": "Ana R.",
        "sector": Sector.HOME_VISITING,
        "county": "Allegheny",
        "goal_category": str(categories["T-IFS"].pk),
        "goal_is_renewal": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def signed_in(client, outsider):
    outsider.display_name = "Before"
    outsider.sector = Sector.CHILD_CARE
    outsider.county = "Erie"
    outsider.save()
    client.force_login(outsider)
    return outsider


def test_counties_are_pennsylvanias_67_and_outside():
    assert len(PENNSYLVANIA_COUNTIES) == 67
    assert len(COUNTY_CHOICES) == 68
    assert COUNTY_CHOICES[-1] == (OUTSIDE_PENNSYLVANIA, OUTSIDE_PENNSYLVANIA)
    assert {"Philadelphia", "Allegheny", "McKean", "York"} <= set(PENNSYLVANIA_COUNTIES)


def test_profile_requires_sign_in(client, db):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={PROFILE}"


def test_profile_shows_the_account_and_the_current_profile(client, signed_in, categories):
    response = client.get(PROFILE)

    html = response.content.decode()
    assert response.status_code == 200
    assert signed_in.email in html
    assert f'href="{reverse("password_change")}"' in html
    assert 'value="Before"' in html
    assert '<option value="child-care" selected>Child care</option>' in html
    assert '<option value="Erie" selected>Erie</option>' in html
    assert '<label for="id_goal_is_renewal">' in html


def test_profile_groups_endorsement_goals_by_program(client, signed_in, categories):
    html = client.get(PROFILE).content.decode()

    imh = html.index('<optgroup label="Test Infant Mental Health (TEST-IMH)">')
    ecmh = html.index('<optgroup label="Test Early Childhood Mental Health (TEST-ECMH)">')
    ifa = html.index(f'value="{categories["T-IFA"].pk}"')
    ecfa = html.index(f'value="{categories["T-ECFA"].pk}"')
    assert imh < ifa < ecmh < ecfa
    assert '<option value="" selected>No goal yet</option>' in html


def test_profile_post_saves_and_confirms(client, signed_in, categories):
    response = client.post(PROFILE, valid_post(categories, display_name="  Ana R.  "))

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert snapshot(signed_in) == {
        "display_name": "Ana R.",
        "sector": Sector.HOME_VISITING,
        "county": "Allegheny",
        "goal_category_id": categories["T-IFS"].pk,
        "goal_is_renewal": True,
    }
    page = client.get(PROFILE).content.decode()
    assert "Your profile is saved." in page
    assert f'<option value="{categories["T-IFS"].pk}" selected>' in page


def test_profile_post_can_clear_every_optional_field(client, signed_in, categories):
    response = client.post(
        PROFILE,
        {"display_name": "", "sector": "", "county": "", "goal_category": ""},
    )

    assert response.status_code == 302
    assert snapshot(signed_in) == {
        "display_name": "",
        "sector": "",
        "county": "",
        "goal_category_id": None,
        "goal_is_renewal": False,
    }


def test_profile_accepts_outside_pennsylvania(client, signed_in, categories):
    client.post(PROFILE, valid_post(categories, county=OUTSIDE_PENNSYLVANIA))

    assert snapshot(signed_in)["county"] == OUTSIDE_PENNSYLVANIA


@pytest.mark.parametrize(
    ("field", "overrides", "message"),
    [
        ("sector", {"sector": "astronaut"}, "Choose a sector from the list."),
        ("county", {"county": "Atlantis"}, "Choose a Pennsylvania county from the list"),
        ("county", {"county": "allegheny"}, "Choose a Pennsylvania county from the list"),
        ("goal_category", {"goal_category": "999999"}, "Choose an endorsement category"),
        ("goal_category", {"goal_category": "IFS"}, "Choose an endorsement category"),
        ("display_name", {"display_name": "A" * 500}, "at most 80 characters"),
        ("display_name", {"display_name": "Ana\u202eevil"}, "invisible formatting characters"),
        ("display_name", {"display_name": "Ana\u200bR"}, "invisible formatting characters"),
        ("display_name", {"display_name": "Ana\u2066R\u2069"}, "invisible formatting characters"),
        ("display_name", {"display_name": "Ana\u0007R"}, "control characters"),
        ("display_name", {"display_name": "Ana\nR"}, "control characters"),
        (
            "goal_is_renewal",
            {"goal_category": "", "goal_is_renewal": "on"},
            "Choose the endorsement you are renewing",
        ),
    ],
)
def test_profile_bad_input_gets_a_field_message_and_changes_nothing(
    client, signed_in, categories, field, overrides, message
):
    before = snapshot(signed_in)

    response = client.post(PROFILE, valid_post(categories, **overrides))

    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert f'aria-describedby="id_{field}_error"' in html or (
        f'aria-describedby="id_{field}_helptext id_{field}_error"' in html
    )
    assert 'aria-invalid="true"' in html
    assert snapshot(signed_in) == before
    assert "Your profile is saved." not in html


def test_profile_null_character_in_name_changes_nothing(client, signed_in, categories):
    before = snapshot(signed_in)

    response = client.post(PROFILE, valid_post(categories, display_name="Ana\x00R"))

    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert snapshot(signed_in) == before


def test_profile_post_without_csrf_token_is_refused(signed_in, categories):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(signed_in)
    before = snapshot(signed_in)

    response = strict.post(PROFILE, valid_post(categories))

    assert response.status_code == 403
    assert snapshot(signed_in) == before


# --- the service on its own: the same rules hold for callers that are not the form -------------


def service_args(**overrides):
    args = {
        "display_name": "Ana",
        "sector": Sector.MEDICAL,
        "county": "York",
        "goal_category": None,
        "goal_is_renewal": False,
    }
    args.update(overrides)
    return args


def test_profile_update_service_saves(outsider, categories):
    profile_update(user=outsider, **service_args(goal_category=categories["T-ECFA"]))

    outsider.refresh_from_db()
    assert (outsider.display_name, outsider.county) == ("Ana", "York")
    assert outsider.goal_category == categories["T-ECFA"]


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("sector", {"sector": "astronaut"}),
        ("county", {"county": "Atlantis"}),
        ("goal_category", {"goal_category": EndorsementCategory(code="NEW", name="Unsaved")}),
        ("goal_category", {"goal_category": "1"}),
        ("display_name", {"display_name": "x" * 81}),
        ("display_name", {"display_name": "Ana\u202dR"}),
        ("display_name", {"display_name": "Ana\u200fR"}),
        ("display_name", {"display_name": "Ana\x1bR"}),
        ("goal_is_renewal", {"goal_is_renewal": True}),
    ],
)
def test_profile_update_service_refuses_bad_values_and_changes_nothing(
    outsider, categories, field, overrides
):
    before = snapshot(outsider)

    with pytest.raises(DomainError) as raised:
        profile_update(user=outsider, **service_args(**overrides))

    assert raised.value.field == field
    assert raised.value.message
    assert snapshot(outsider) == before


def test_profile_update_service_refuses_a_deleted_category(outsider, categories):
    category = categories["T-IFA"]
    EndorsementCategory.objects.filter(pk=category.pk).delete()

    with pytest.raises(DomainError) as raised:
        profile_update(user=outsider, **service_args(goal_category=category))

    assert raised.value.field == "goal_category"


def test_profile_update_service_keeps_the_object_untouched_on_refusal(outsider, categories):
    name_before = outsider.display_name

    with pytest.raises(DomainError):
        profile_update(user=outsider, **service_args(display_name="New", county="Atlantis"))

    assert outsider.display_name == name_before


def test_profile_update_service_normalises_and_keeps_ordinary_names(outsider, categories):
    profile_update(user=outsider, **service_args(display_name=" Zo\u0065\u0301 O'Brien-Núñez "))

    outsider.refresh_from_db()
    assert outsider.display_name == "Zo\u00e9 O'Brien-Núñez"
