"""Members-only content never reaches a visitor: not in a list, a page, the feed, a document, the
home page or a search hit. Members (anyone signed in) read it all."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents.models import Document

from accounts.roles import role_grant
from tests.factories import UserFactory
from tests.resources import builders

ATTACHMENT = "attachment-separation-trauma-grief-loss"
SECRET_TEXT = "Only for the cohort: the reflective log template."


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def site(db):
    """A small tree with one public and one members-only page of each kind."""
    library = builders.library()
    research = builders.research_index()
    learn = builders.content_index()
    pages = {
        "public_resource": builders.resource(
            library, "Open attachment handout", competencies=[ATTACHMENT]
        ),
        "hidden_resource": builders.resource(
            library,
            "Cohort attachment toolkit",
            competencies=[ATTACHMENT],
            members_only=True,
            summary="A toolkit summary visitors must not read.",
        ),
        "public_update": builders.research_update(research, "Open attachment study"),
        "hidden_update": builders.research_update(
            research, "Cohort attachment study", members_only=True
        ),
        "public_article": builders.content_page(learn, "Open attachment article"),
        "hidden_article": builders.content_page(
            learn,
            "Cohort attachment article",
            members_only=True,
            body=[("paragraph", "<p>Words for members only.</p>")],
        ),
    }
    return {"library": library, "research": research, "learn": learn, **pages}


@pytest.fixture
def member(db):
    return UserFactory()


def _hidden_titles(site) -> list[str]:
    return [site[key].title for key in ("hidden_resource", "hidden_update", "hidden_article")]


# --- lists ------------------------------------------------------------------------------------


@pytest.mark.parametrize("listing", ["library", "research", "learn"])
def test_listing_never_shows_members_only_items_to_visitors(site, client, listing):
    html = client.get(site[listing].url).content.decode()

    for title in _hidden_titles(site):
        assert title not in html
    public = {"library": "public_resource", "research": "public_update", "learn": "public_article"}
    assert site[public[listing]].title in html


@pytest.mark.parametrize(
    ("listing", "hidden"),
    [("library", "hidden_resource"), ("research", "hidden_update"), ("learn", "hidden_article")],
)
def test_listing_shows_members_only_items_to_members_with_a_badge(
    site, client, member, listing, hidden
):
    client.force_login(member)

    html = client.get(site[listing].url).content.decode()

    assert site[hidden].title in html
    assert "Members only" in html


def test_listing_filtered_by_competency_still_hides_members_only_items(site, client):
    html = client.get(site["library"].url, {"competency": ATTACHMENT}).content.decode()

    assert site["public_resource"].title in html
    assert site["hidden_resource"].title not in html


def test_browse_by_competency_links_lead_to_what_a_visitor_may_read(site, client):
    response = client.get(site["library"].url + "competencies/")

    html = response.content.decode()
    assert site["hidden_resource"].title not in html
    counts = {
        competency.slug: competency.resource_count
        for area in response.context["areas"]
        for competency in area.competencies.all()
    }
    assert counts[ATTACHMENT] == 1


# --- detail pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["hidden_resource", "hidden_update", "hidden_article"])
def test_members_only_page_shows_visitors_a_sign_in_prompt_and_never_the_body(site, client, key):
    page = site[key]

    response = client.get(page.url)

    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="callout"' in html and f"/accounts/login/?next={page.url}" in html
    assert page.summary not in html
    assert "Body of" not in html and "Words for members only." not in html


@pytest.mark.parametrize("key", ["hidden_resource", "hidden_update", "hidden_article"])
def test_members_only_page_is_readable_by_members(site, client, member, key):
    page = site[key]
    client.force_login(member)

    response = client.get(page.url)

    assert response.status_code == 200
    assert page.summary in response.content.decode()


# --- the feed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["feed/", "feed/atom/"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_research_feed_never_lists_members_only_updates(site, client, member, path, signed_in):
    # A feed is shared with readers and caches, so even a member's copy is the public one.
    if signed_in:
        client.force_login(member)

    body = client.get(site["research"].url + path).content.decode()

    assert site["public_update"].title in body
    assert site["hidden_update"].title not in body


# --- documents --------------------------------------------------------------------------------


def _upload(client, title: str, filename: str, text: str) -> Document:
    """Upload a document through the Wagtail admin, as an editor does."""
    editor = UserFactory(is_staff=True)
    role_grant(user=editor, role="staff-editor")
    client.force_login(editor)
    response = client.post(
        "/admin/documents/add/",
        {"title": title, "file": SimpleUploadedFile(filename, text.encode(), "text/plain")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return Document.objects.get(title=title)


def _document_url(document) -> str:
    url = f"/documents/{document.pk}/{document.filename}"
    assert document.url == url
    return url


def test_members_only_resource_document_is_refused_to_visitors(site, client, media):
    document = _upload(client, "Reflective log template", "reflective-log.txt", SECRET_TEXT)
    page = site["hidden_resource"]
    page.document = document
    builders.publish(page)

    response = client.get(_document_url(document))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={_document_url(document)}"
    assert not getattr(response, "streaming", False)
    assert SECRET_TEXT.encode() not in response.content


def test_members_only_resource_document_is_served_to_members(site, client, member, media):
    document = _upload(client, "Reflective log template", "reflective-log.txt", SECRET_TEXT)
    page = site["hidden_resource"]
    page.document = document
    builders.publish(page)
    client.force_login(member)

    response = client.get(_document_url(document))

    assert response.status_code == 200
    assert builders.document_body(response) == SECRET_TEXT.encode()


def test_public_resource_document_is_served_to_visitors(site, client, media):
    document = builders.document("Open handout", "open-handout.txt", "Open words.")
    page = site["public_resource"]
    page.document = document
    builders.publish(page)

    response = client.get(_document_url(document))

    assert response.status_code == 200
    assert builders.document_body(response) == b"Open words."


def test_document_linked_in_a_members_only_article_body_is_refused_to_visitors(site, client, media):
    document = builders.document("Cohort log", "cohort-log.txt", SECRET_TEXT)
    builders.content_page(
        site["learn"],
        "Cohort practice",
        members_only=True,
        body=[("document", {"document": document.pk, "label": "The log"})],
    )

    response = client.get(_document_url(document))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_document_linked_in_a_members_only_update_rich_text_is_refused_to_visitors(
    site, client, media
):
    document = builders.document("Study data", "study-data.txt", SECRET_TEXT)
    update = site["hidden_update"]
    update.body = f'<p>See <a linktype="document" id="{document.pk}">the data</a>.</p>'
    builders.publish(update)

    response = client.get(_document_url(document))

    assert response.status_code == 302


def test_document_used_by_a_public_and_a_members_only_page_stays_members_only(site, client, media):
    document = builders.document("Shared handout", "shared.txt", SECRET_TEXT)
    for key in ("public_resource", "hidden_resource"):
        page = site[key]
        page.document = document
        builders.publish(page)

    response = client.get(_document_url(document))

    assert response.status_code == 302


def test_document_becomes_public_when_its_page_is_made_public(site, client, media):
    document = builders.document("Was members only", "was-members-only.txt", "Now open.")
    page = site["hidden_resource"]
    page.document = document
    builders.publish(page)
    assert client.get(_document_url(document)).status_code == 302

    page.members_only = False
    builders.publish(page)
    response = client.get(_document_url(document))

    assert response.status_code == 200
    assert builders.document_body(response) == b"Now open."


def test_document_with_a_wrong_filename_is_not_found(site, client, media):
    document = builders.document("Cohort log", "cohort-log.txt", SECRET_TEXT)
    builders.content_page(
        site["learn"],
        "Cohort practice",
        members_only=True,
        body=[("document", {"document": document.pk, "label": "The log"})],
    )

    response = client.get(f"/documents/{document.pk}/guess.txt")

    assert response.status_code == 404


# --- the home page and search -----------------------------------------------------------------


def test_home_page_never_shows_members_only_items_to_visitors(site, client):
    html = client.get("/").content.decode()

    assert site["public_resource"].title in html
    for title in _hidden_titles(site):
        assert title not in html


@pytest.mark.parametrize("query", ["", "attachment", "Cohort"])
def test_search_api_never_returns_members_only_hits_to_visitors(site, client, query):
    body = client.get("/api/search/", {"q": query}).json()

    titles = {hit["title"] for hit in body["results"]}
    assert not titles & set(_hidden_titles(site))
    assert not any(hit.get("members_only") for hit in body["results"])
    if query != "Cohort":
        assert site["public_resource"].title in titles


def test_search_api_returns_members_only_hits_to_members(site, client, member):
    client.force_login(member)

    body = client.get("/api/search/", {"q": "Cohort"}).json()

    assert site["hidden_resource"].title in {hit["title"] for hit in body["results"]}


@pytest.fixture
def debug_urls(settings):
    """The root URLconf as `make run` (DEBUG=1) builds it, restored afterwards."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_debug_media_route_never_serves_document_files(site, client, media, debug_urls):
    document = builders.document("Cohort log", "cohort-log.txt", SECRET_TEXT)
    page = site["hidden_resource"]
    page.document = document
    builders.publish(page)
    (media / "images").mkdir()
    (media / "images" / "photo.txt").write_text("an image rendition")

    plain = client.get(f"/media/{document.file.name}")
    image = client.get("/media/images/photo.txt")

    assert plain.status_code == 404
    assert SECRET_TEXT.encode() not in plain.content
    assert image.status_code == 200
