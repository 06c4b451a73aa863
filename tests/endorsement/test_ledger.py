"""Logging training and RSC: what is accepted, and bad input that changes nothing."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from endorsement.models import RscEntry, Source, TrainingEntry
from tests.endorsement.conftest import days_ago
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n% a tiny certificate\n"


def training_data(area, **overrides):
    data = {
        "title": "Attachment basics",
        "provider": "PA-AIMH",
        "date": days_ago(3).isoformat(),
        "hours": "3",
        "format": "virtual",
        "areas": [area.pk],
    }
    data.update(overrides)
    return data


def rsc_data(provider=None, **overrides):
    data = {
        "provider": provider.pk if provider else "",
        "format": "individual",
        "date": days_ago(2).isoformat(),
        "hours": "1",
        "age_group": "0-3",
    }
    data.update(overrides)
    return data


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def test_training_logged_by_member_is_saved_and_audited(signed_in, member, area):
    response = signed_in.post(reverse("endorsement:training_new"), training_data(area))

    assert response.status_code == 302
    entry = TrainingEntry.objects.get(member=member)
    assert entry.hours == D("3") and entry.source == Source.SELF_LOGGED
    assert list(entry.areas.all()) == [area]
    assert AuditEntry.objects.filter(action="endorsement.training_logged").count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hours": "0"}, "more than zero"),
        ({"hours": "-2"}, "more than zero"),
        ({"hours": "25"}, "more than 24"),
        ({"hours": "lots"}, "Enter a number"),
        ({"date": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "future"),
        ({"title": ""}, "required"),
        ({"areas": []}, "Area of Expertise"),
    ],
)
def test_training_bad_input_is_refused_and_changes_nothing(
    signed_in, member, area, overrides, message
):
    response = signed_in.post(reverse("endorsement:training_new"), training_data(area, **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TrainingEntry.objects.exists()


def test_training_over_24_hours_in_one_day_is_refused(signed_in, member, area):
    signed_in.post(reverse("endorsement:training_new"), training_data(area, hours="20"))

    response = signed_in.post(
        reverse("endorsement:training_new"), training_data(area, title="Another", hours="4.5")
    )

    assert response.status_code == 400
    assert "a day has 24" in response.content.decode()
    assert TrainingEntry.objects.count() == 1


def test_training_and_rsc_share_the_24_hour_day(signed_in, member, area, provider):
    signed_in.post(reverse("endorsement:training_new"), training_data(area, hours="23.5"))

    response = signed_in.post(
        reverse("endorsement:rsc_new"), rsc_data(provider, date=days_ago(3).isoformat())
    )

    assert response.status_code == 400
    assert not RscEntry.objects.exists()


def test_training_duplicate_is_refused(signed_in, member, area):
    signed_in.post(reverse("endorsement:training_new"), training_data(area))

    response = signed_in.post(reverse("endorsement:training_new"), training_data(area))

    assert response.status_code == 400
    assert "already logged" in response.content.decode()
    assert TrainingEntry.objects.count() == 1


def test_certificate_is_served_only_to_its_owner(signed_in, client, member, area, outsider):
    upload = SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf")
    signed_in.post(reverse("endorsement:training_new"), training_data(area, certificate=upload))
    entry = TrainingEntry.objects.get()
    url = reverse("endorsement:certificate", args=[entry.pk])

    own = signed_in.get(url)
    assert own.status_code == 200
    assert own["Content-Type"] == "application/pdf"
    assert b"".join(own.streaming_content) == PDF

    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_certificate_of_the_wrong_type_is_refused(signed_in, area):
    upload = SimpleUploadedFile(
        "cert.pdf", b"<html>not a pdf</html>", content_type="application/pdf"
    )

    response = signed_in.post(
        reverse("endorsement:training_new"), training_data(area, certificate=upload)
    )

    assert response.status_code == 400
    assert "PDF, PNG or JPEG" in response.content.decode()
    assert not TrainingEntry.objects.exists()


def test_certificate_over_the_size_limit_is_refused(signed_in, area, settings):
    settings.ENDORSEMENT_CERTIFICATE_MAX_BYTES = 10
    upload = SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf")

    response = signed_in.post(
        reverse("endorsement:training_new"), training_data(area, certificate=upload)
    )

    assert response.status_code == 400
    assert not TrainingEntry.objects.exists()


def test_rsc_with_a_platform_provider_is_pending_and_emails_the_provider(
    signed_in, member, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("endorsement:rsc_new"), rsc_data(provider))

    assert response.status_code == 302
    entry = RscEntry.objects.get(member=member)
    assert entry.status == RscEntry.Status.PENDING and entry.provider == provider
    assert [m.to for m in mail.outbox] == [[provider.email]]
    assert provider.notifications.count() == 1


def test_rsc_with_an_offplatform_provider_needs_name_and_endorsement_id(signed_in, member):
    response = signed_in.post(
        reverse("endorsement:rsc_new"), rsc_data(None, provider_name="Dr. Rivera")
    )

    assert response.status_code == 400
    assert "endorsement ID" in response.content.decode()
    assert not RscEntry.objects.exists()

    response = signed_in.post(
        reverse("endorsement:rsc_new"),
        rsc_data(None, provider_name="Dr. Rivera", provider_endorsement_id="MI-77"),
    )
    assert response.status_code == 302
    assert RscEntry.objects.get().provider_name == "Dr. Rivera"


def test_rsc_naming_a_non_qualifying_provider_is_refused(signed_in, member):
    someone = UserFactory()

    response = signed_in.post(reverse("endorsement:rsc_new"), rsc_data(someone))

    assert response.status_code == 400
    assert not RscEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "status_text"),
    [
        ({"hours": "0"}, "more than zero"),
        ({"hours": "24.5"}, "more than 24"),
        ({"date": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}, "future"),
        ({"format": "group"}, "how many people"),
    ],
)
def test_rsc_bad_input_is_refused_and_changes_nothing(signed_in, provider, overrides, status_text):
    response = signed_in.post(reverse("endorsement:rsc_new"), rsc_data(provider, **overrides))

    assert response.status_code == 400
    assert status_text in response.content.decode()
    assert not RscEntry.objects.exists()


def test_rsc_duplicate_is_refused(signed_in, provider):
    signed_in.post(reverse("endorsement:rsc_new"), rsc_data(provider))

    response = signed_in.post(reverse("endorsement:rsc_new"), rsc_data(provider))

    assert response.status_code == 400
    assert "already logged" in response.content.decode()
    assert RscEntry.objects.count() == 1


def test_self_logged_entry_can_be_deleted_by_its_member_only(signed_in, client, area, outsider):
    signed_in.post(reverse("endorsement:training_new"), training_data(area))
    entry = TrainingEntry.objects.get()
    url = reverse("endorsement:entry_delete", args=["training", entry.pk])

    client.force_login(outsider)
    assert client.post(url).status_code == 404
    assert TrainingEntry.objects.exists()


def test_member_corrects_a_self_logged_training_and_it_is_audited(signed_in, member, area):
    signed_in.post(reverse("endorsement:training_new"), training_data(area))
    entry = TrainingEntry.objects.get()

    response = signed_in.post(
        reverse("endorsement:training_edit", args=[entry.pk]), training_data(area, hours="2.5")
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.hours == D("2.5")
    assert AuditEntry.objects.filter(action="endorsement.entry_edited").exists()


def test_bad_correction_changes_nothing(signed_in, member, area):
    signed_in.post(reverse("endorsement:training_new"), training_data(area))
    entry = TrainingEntry.objects.get()

    response = signed_in.post(
        reverse("endorsement:training_edit", args=[entry.pk]), training_data(area, hours="30")
    )

    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.hours == D("3")


def test_entry_from_attendance_cannot_be_edited(signed_in, member):
    entry = TrainingEntry.objects.create(
        member=member, title="Session", date=days_ago(1), hours=1, source=Source.SESSION
    )

    response = signed_in.get(reverse("endorsement:training_edit", args=[entry.pk]))

    assert response.status_code == 404


def test_corrected_rsc_goes_back_to_pending_and_emails_the_provider(
    signed_in, member, provider, django_capture_on_commit_callbacks
):
    signed_in.post(reverse("endorsement:rsc_new"), rsc_data(provider))
    entry = RscEntry.objects.get()
    RscEntry.objects.filter(pk=entry.pk).update(status=RscEntry.Status.CONFIRMED)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reverse("endorsement:rsc_edit", args=[entry.pk]), rsc_data(provider, hours="2")
        )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.hours == D("2") and entry.status == RscEntry.Status.PENDING
    assert [m.to for m in mail.outbox] == [[provider.email]]


def test_photographed_certificate_is_stored_without_its_location(signed_in, area):
    from PIL import Image as PILImage

    from tests.security.test_uploads import GPS_IFD, jpeg_with_gps

    upload = SimpleUploadedFile("cert.jpg", jpeg_with_gps(), content_type="image/jpeg")

    signed_in.post(reverse("endorsement:training_new"), training_data(area, certificate=upload))

    entry = TrainingEntry.objects.get()
    with entry.certificate.open("rb") as stored, PILImage.open(stored) as image:
        assert not image.getexif().get_ifd(GPS_IFD)
        assert image.size == (40, 20)
    assert entry.certificate_content_type == "image/jpeg"
