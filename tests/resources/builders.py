"""Builders for the content tests: a page tree under the site's home page, made through Wagtail.

Pages are added and published as an editor's would be (add_child, then a published revision), so
the reference index, first_published_at and the live flag are what the site really sees.
"""

import json

from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Site

from competencies.models import Competency
from resources.models import (
    AudienceSector,
    ContentIndexPage,
    IMHContentPage,
    ResearchIndexPage,
    ResearchUpdatePage,
    ResourceLibraryPage,
    ResourcePage,
)


def home():
    return Site.objects.get(is_default_site=True).root_page.specific


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _add(parent, page):
    parent.add_child(instance=page)
    return publish(page)


def library(title="Resource library", slug="resources") -> ResourceLibraryPage:
    return _add(home(), ResourceLibraryPage(title=title, slug=slug))


def research_index(title="Research updates", slug="research") -> ResearchIndexPage:
    return _add(home(), ResearchIndexPage(title=title, slug=slug))


def content_index(title="About infant mental health", slug="learn") -> ContentIndexPage:
    return _add(home(), ContentIndexPage(title=title, slug=slug))


def competency(slug: str) -> Competency:
    return Competency.objects.get(slug=slug)


def resource(
    parent,
    title: str,
    *,
    members_only=False,
    competencies=(),
    sectors=(),
    resource_type="article",
    age_band="",
    document=None,
    summary=None,
) -> ResourcePage:
    page = ResourcePage(
        title=title,
        summary=summary or f"Summary of {title}.",
        resource_type=resource_type,
        age_band=age_band,
        members_only=members_only,
        body=f"<p>Body of {title}.</p>",
        document=document,
    )
    page.competencies.set([competency(slug) for slug in competencies])
    page.audience_sectors.set(list(AudienceSector.objects.filter(slug__in=sectors)))
    return _add(parent, page)


def research_update(
    parent, title: str, *, members_only=False, competencies=(), date="2026-05-01"
) -> ResearchUpdatePage:
    page = ResearchUpdatePage(
        title=title,
        date=date,
        authors="Research digest team",
        summary=f"Summary of {title}.",
        members_only=members_only,
        body=f"<p>Body of {title}.</p>",
    )
    page.competencies.set([competency(slug) for slug in competencies])
    return _add(parent, page)


def content_page(
    parent, title: str, *, members_only=False, competencies=(), body=(), summary=None
) -> IMHContentPage:
    page = IMHContentPage(
        title=title,
        summary=summary or f"Summary of {title}.",
        members_only=members_only,
        body=json.dumps([{"type": kind, "value": value} for kind, value in body]),
    )
    page.competencies.set([competency(slug) for slug in competencies])
    return _add(parent, page)


def document(title="Handout", filename="handout.txt", text="The handout's words.") -> Document:
    """A document with a real file (put MEDIA_ROOT in a temporary directory first)."""
    doc = Document(title=title)
    doc.file.save(filename, ContentFile(text.encode()), save=False)
    doc._set_document_file_metadata()
    doc.save()
    return doc


def document_body(response) -> bytes:
    return b"".join(response.streaming_content)
