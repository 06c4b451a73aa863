"""Uploads through the Wagtail admin: documents by content, images without GPS, safe serving."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection

from tests.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GPS_IFD = 0x8825


@pytest.fixture
def editor_client(client, db):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin, backend="accounts.backends.UsernameOrEmailBackend")
    return client


def add_document(client, name, data, content_type="application/octet-stream"):
    return client.post(
        "/admin/documents/add/",
        {
            "title": "Handout",
            "file": SimpleUploadedFile(name, data, content_type=content_type),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def add_image(client, name, data, content_type="image/jpeg"):
    return client.post(
        "/admin/images/add/",
        {
            "title": "Photo",
            "file": SimpleUploadedFile(name, data, content_type=content_type),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def docx_bytes(payload: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", payload)
    return out.getvalue()


def jpeg_with_gps(size=(40, 20), orientation=None) -> bytes:
    image = PILImage.new("RGB", size, (200, 30, 30))
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)})
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def form_errors(response) -> str:
    return response.content.decode()


# --- Documents -------------------------------------------------------------------------------


def test_a_real_pdf_is_accepted(editor_client):
    response = add_document(editor_client, "handout.pdf", PDF, "application/pdf")

    assert response.status_code == 302
    assert Document.objects.filter(title="Handout").count() == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "svg"),
        ("page.html", b"<html><script>alert(1)</script></html>", "html"),
        ("report.pdf", b"<html><script>alert(1)</script></html>", "not a .pdf document"),
        ("notes.txt", b"Hello <script>alert(1)</script>", "web page or SVG markup"),
        ("notes.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
        ("slides.pptx", PDF, "not a .pptx document"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "damaged"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_document_that_is_not_what_it_claims_is_refused(editor_client, name, data, message):
    response = add_document(editor_client, name, data)

    assert response.status_code == 200  # the form again, with the message
    assert message in form_errors(response)
    assert not Document.objects.exists()


def test_a_zip_bomb_docx_is_refused(editor_client):
    bomb = docx_bytes(b"0" * 5_000_000)  # about 5 KB on the wire

    response = add_document(editor_client, "bomb.docx", bomb)

    assert "expands to far more than its size" in form_errors(response)
    assert not Document.objects.exists()


def test_a_normal_docx_is_accepted(editor_client):
    response = add_document(
        editor_client, "plan.docx", docx_bytes(b"<w:document>Plan</w:document>")
    )

    assert response.status_code == 302


def test_served_documents_carry_a_no_script_policy_and_nosniff(editor_client, client):
    add_document(editor_client, "handout.pdf", PDF, "application/pdf")
    add_document(editor_client, "plan.docx", docx_bytes(b"<w:document/>"))
    pdf, docx = Document.objects.order_by("pk")

    for document, disposition in ((pdf, "inline"), (docx, "attachment")):
        response = client.get(document.url)
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == "default-src 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith(disposition)


# --- Images ----------------------------------------------------------------------------------


def stored_exif(image: Image) -> PILImage.Exif:
    with image.file.open("rb") as handle, PILImage.open(handle) as opened:
        return opened.getexif()


def test_an_uploaded_photo_loses_its_gps_position_and_camera_details(editor_client):
    response = add_image(editor_client, "visit.jpg", jpeg_with_gps())

    assert response.status_code == 302
    image = Image.objects.get(title="Photo")
    exif = stored_exif(image)
    assert not exif.get_ifd(GPS_IFD)
    assert 0x010F not in exif
    rendition = image.get_rendition("width-20")
    with rendition.file.open("rb") as handle, PILImage.open(handle) as opened:
        assert not opened.getexif().get_ifd(GPS_IFD)


def test_the_admin_multiple_uploader_strips_gps_too(editor_client):
    # The admin's "Add an image" button opens the multiple uploader, a separate view.
    response = editor_client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("visit.jpg", jpeg_with_gps(), content_type="image/jpeg")},
    )

    assert response.status_code == 200 and response.json()["success"]
    assert not stored_exif(Image.objects.get()).get_ifd(GPS_IFD)


def test_an_uploaded_photo_keeps_its_orientation_when_the_exif_goes(editor_client):
    # Orientation 6: the camera was turned; the pixels are stored sideways.
    add_image(editor_client, "turned.jpg", jpeg_with_gps(size=(40, 20), orientation=6))

    image = Image.objects.get(title="Photo")

    assert (image.width, image.height) == (20, 40)
    assert 0x0112 not in stored_exif(image)


def test_a_photo_without_metadata_is_stored_unchanged(editor_client):
    out = io.BytesIO()
    PILImage.new("RGB", (30, 30), (0, 90, 0)).save(out, format="PNG")

    add_image(editor_client, "plain.png", out.getvalue(), "image/png")

    with Image.objects.get(title="Photo").file.open("rb") as handle:
        assert handle.read() == out.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("fake.jpg", b"<html><script>alert(1)</script></html>"),
        ("empty.png", b""),
    ],
)
def test_an_image_that_is_not_an_allowed_image_is_refused(editor_client, name, data):
    response = add_image(editor_client, name, data)

    assert response.status_code == 200
    assert not Image.objects.exists()


def test_an_image_with_too_many_pixels_is_refused(editor_client, settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    out = io.BytesIO()
    PILImage.new("L", (100, 100)).save(out, format="PNG")

    response = add_image(editor_client, "big.png", out.getvalue(), "image/png")

    assert response.status_code == 200
    assert "too many pixels" in form_errors(response)
    assert not Image.objects.exists()
