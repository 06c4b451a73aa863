"""Upload checks for Wagtail documents and images: type by content, size, no hidden metadata.

Wagtail checks a document's extension only, and keeps an image's EXIF (GPS position included)
in the original file and in every JPEG/WebP rendition (Willow copies it). Photos from a home
visit must not tell anyone where a family lives, so images lose their metadata on upload.
settings.WAGTAILDOCS_DOCUMENT_FORM_BASE and WAGTAILIMAGES_IMAGE_FORM_BASE point here, so the
admin's single and multiple upload forms both check.
"""

import io
import zipfile

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageOps
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm

_ZIP = b"PK\x03\x04"
_OLE = bytes.fromhex("d0cf11e0a1b11ae1")
# What each allowed extension must look like inside.
_MAGIC = {
    "pdf": (b"%PDF-",),
    "docx": (_ZIP,),
    "pptx": (_ZIP,),
    "xlsx": (_ZIP,),
    "odt": (_ZIP,),
    "epub": (_ZIP,),
    "doc": (_OLE,),
}
_TEXT = {"txt", "csv"}
# Markup that a browser would run if it ever sniffed a text file as a page.
_MARKUP = (b"<html", b"<!doctype", b"<script", b"<svg", b"<iframe", b"<body", b"<?xml")
# Image metadata Pillow reads and would write back: EXIF (GPS), XMP, IPTC, comments.
_IMAGE_METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment", "icc_exif")


def document_problem(*, name: str, data: bytes) -> str | None:
    """Why this upload is not the document it claims to be, or None if it is."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not data:
        return "The file is empty."
    if len(data) > settings.DOCUMENT_MAX_UPLOAD_BYTES:
        limit = settings.DOCUMENT_MAX_UPLOAD_BYTES // (1024 * 1024)
        return f"The file is larger than {limit} MB. Upload a smaller version."
    if extension in _TEXT:
        head = data[:65536]
        if b"\x00" in head:
            return f"This is not a text file, though its name ends in .{extension}."
        if any(marker in head.lower() for marker in _MARKUP):
            return (
                "This text file contains web page or SVG markup. Upload it as a PDF instead, "
                "or remove the markup."
            )
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return "Save the text file as UTF-8 and upload it again."
        return None
    magics = _MAGIC.get(extension)
    if magics is None:
        return None  # Wagtail's extension check answers for anything else
    if not data.startswith(magics):
        return f"The file's contents are not a .{extension} document. Check it and try again."
    if magics == (_ZIP,):
        return _zip_problem(data)
    return None


def _zip_problem(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return "The file is damaged (it is not a valid Office or e-book document)."
    # A zip bomb: tiny on upload, enormous when an editor or indexer opens it.
    if expanded > settings.DOCUMENT_MAX_EXPANDED_BYTES or expanded > 100 * max(len(data), 1):
        return "The file expands to far more than its size. Upload it saved normally."
    return None


class DocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "read"):
            upload.seek(0)
            data = upload.read()
            upload.seek(0)
            problem = document_problem(name=upload.name, data=data)
            if problem:
                raise forms.ValidationError(problem, code="document_content")
        return upload


def image_without_metadata(*, data: bytes) -> bytes | None:
    """The image re-encoded without EXIF/XMP/IPTC/comments, upright, or None if it had none."""
    with PILImage.open(io.BytesIO(data)) as image:
        has_metadata = any(key in image.info for key in _IMAGE_METADATA_KEYS) or bool(
            image.getexif()
        )
        if not has_metadata:
            return None
        image_format = image.format
        animated = getattr(image, "is_animated", False)
        icc = image.info.get("icc_profile")
        output = io.BytesIO()
        options = {"icc_profile": icc} if icc else {}
        if animated:
            image.save(output, format=image_format, save_all=True, **options)
        else:
            # The orientation lives in EXIF: apply it to the pixels before EXIF goes.
            upright = ImageOps.exif_transpose(image)
            if image_format == "JPEG":
                options.update(quality=95, subsampling="keep" if upright is image else 0)
            upright.save(output, format=image_format, **options)
        return output.getvalue()


class ImageForm(BaseImageForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "read"):
            upload.seek(0)
            data = upload.read()
            upload.seek(0)
            cleaned = image_without_metadata(data=data)
            if cleaned is not None:
                replacement = SimpleUploadedFile(
                    upload.name, cleaned, content_type=getattr(upload, "content_type", None)
                )
                # Wagtail's field reads these from the upload it checked.
                for attribute in ("image", "content_type"):
                    if hasattr(upload, attribute):
                        setattr(replacement, attribute, getattr(upload, attribute))
                return replacement
        return upload
