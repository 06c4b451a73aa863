"""Content pages: StreamField bodies, listings with filters and pagination, browse by competency,
the research feed, the editor's grouped competency chooser, and the demo content."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.test.utils.form_data import querydict_from_html

from accounts.models import User
from accounts.roles import role_grant
from competencies.models import AreaOfExpertise, Competency
from resources.models import (
    PAGE_SIZE,
    AudienceSector,
    ContentIndexPage,
    IMHContentPage,
    ResearchUpdatePage,
    ResourcePage,
)
from tests.factories import UserFactory
from tests.resources import builders

ATTACHMENT = "attachment-separation-trauma-grief-loss"
SCREENING = "screening-assessment"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def library(db):
    return builders.library()


@pytest.fixture
def research(db):
    return builders.research_index()


@pytest.fixture
def learn(db):
    return builders.content_index()


@pytest.fixture
def editor(db):
    user = UserFactory(is_staff=True)
    role_grant(user=user, role="staff-editor")
    return user


# --- IMH content pages ------------------------------------------------------------------------


def test_content_page_renders_every_block_of_its_body(learn, media, client):
    handout = builders.document("Attachment handout", "attachment-handout.txt")
    page = builders.content_page(
        learn,
        "What is IECMH?",
        competencies=[ATTACHMENT],
        body=[
            ("heading", {"text": "Relationships come first", "level": "h2"}),
            ("heading", {"text": "In the first year", "level": "h3"}),
            ("paragraph", "<p>Babies learn <b>with</b> people.</p>"),
            ("quote", {"quote": "There is no such thing as a baby.", "attribution": "Winnicott"}),
            ("callout", {"tone": "warning", "heading": "Take care", "text": "<p>Be gentle.</p>"}),
            ("document", {"document": handout.pk, "label": "Read the handout"}),
        ],
    )

    response = client.get(page.url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>Relationships come first</h2>" in html
    assert "<h3>In the first year</h3>" in html
    assert "<p>Babies learn <b>with</b> people.</p>" in html
    assert "<blockquote><p>There is no such thing as a baby.</p></blockquote>" in html
    assert "<figcaption>Winnicott</figcaption>" in html
    assert 'class="callout callout--warning content-callout" aria-label="Take care"' in html
    assert f'<a href="{handout.url}">Read the handout</a>' in html
    assert "attachment, separation, trauma, grief &amp; loss" in html
    assert 'href="/static/css/content' in html


def test_content_page_renders_images_with_alt_text_and_embeds_with_a_link(learn, media, client):
    from io import BytesIO

    from django.core.files.images import ImageFile
    from PIL import Image as PillowImage
    from wagtail.embeds.embeds import get_embed_hash
    from wagtail.embeds.models import Embed
    from wagtail.images.models import Image

    buffer = BytesIO()
    PillowImage.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    image = Image.objects.create(title="Parent and baby", file=ImageFile(buffer, name="baby.png"))
    video = "https://www.youtube.com/watch?v=serve-and-return"
    # A cached embed, as Wagtail stores the provider's answer: no network in tests.
    Embed.objects.create(
        url=video,
        hash=get_embed_hash(video, None, None),
        type="video",
        html='<iframe title="Serve and return" src="https://www.youtube-nocookie.com/x"></iframe>',
    )
    page = builders.content_page(
        learn,
        "Serve and return",
        body=[
            (
                "image",
                {
                    "image": {"image": image.pk, "alt_text": "A parent smiles at a baby",
                              "decorative": False},
                    "caption": "Back and forth",
                },
            ),
            ("embed", {"video": video, "title": "Serve and return, a short video"}),
        ],
    )  # fmt: skip

    html = client.get(page.url).content.decode()

    assert 'alt="A parent smiles at a baby"' in html
    assert "<figcaption>Back and forth</figcaption>" in html
    assert '<iframe title="Serve and return"' in html
    assert f'<a href="{video}" rel="noopener">Serve and return, a short video</a>' in html


def test_content_page_can_be_created_under_the_home_page_but_not_as_a_site_root(db):
    home = builders.home()

    assert IMHContentPage.can_create_at(home)
    assert not IMHContentPage.can_create_at(home.get_parent())


def test_resource_and_research_pages_take_no_child_pages(db):
    assert ResourcePage.allowed_subpage_models() == []
    assert ResearchUpdatePage.allowed_subpage_models() == []


def test_content_index_lists_its_articles_and_filters_by_competency(learn, client):
    builders.content_page(learn, "About attachment", competencies=[ATTACHMENT])
    builders.content_page(learn, "About screening", competencies=[SCREENING])

    everything = client.get(learn.url).content.decode()
    filtered = client.get(learn.url, {"competency": SCREENING}).content.decode()

    assert "About attachment" in everything and "About screening" in everything
    assert "About screening" in filtered and "About attachment" not in filtered


# --- the resource library: filters and pagination ---------------------------------------------


@pytest.fixture
def varied_library(library):
    builders.resource(
        library,
        "Attachment handout for home visitors",
        competencies=[ATTACHMENT],
        sectors=["home-visiting"],
        resource_type="handout",
        age_band="0-36m",
    )
    builders.resource(
        library,
        "Screening course for child care",
        competencies=[SCREENING],
        sectors=["child-care"],
        resource_type="course",
        age_band="3-6y",
    )
    builders.resource(
        library,
        "Attachment video for everyone",
        competencies=[ATTACHMENT],
        resource_type="video",
    )
    return library


def _titles(response) -> set[str]:
    return {item.title for item in response.context["items"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Attachment handout for home visitors", "Screening course for child care",
              "Attachment video for everyone"}),
        ({"competency": ATTACHMENT}, {"Attachment handout for home visitors",
                                      "Attachment video for everyone"}),
        ({"type": "course"}, {"Screening course for child care"}),
        ({"sector": "home-visiting"}, {"Attachment handout for home visitors"}),
        ({"age": "3-6y"}, {"Screening course for child care"}),
        ({"competency": ATTACHMENT, "type": "video"}, {"Attachment video for everyone"}),
        ({"competency": SCREENING, "sector": "home-visiting"}, set()),
    ],
)  # fmt: skip
def test_resource_library_filters_by_competency_type_sector_and_age(
    varied_library, client, params, expected
):
    response = client.get(varied_library.url, params)

    assert response.status_code == 200
    assert _titles(response) == expected


def test_resource_library_filter_form_is_labelled_and_grouped_by_area(varied_library, client):
    html = client.get(varied_library.url).content.decode()

    assert '<form method="get" action="/resources/"' in html
    assert "<legend>Filter resources</legend>" in html
    for name, label in (("competency", "Competency"), ("type", "Type"), ("sector", "Sector"),
                        ("age", "Age")):  # fmt: skip
        assert f'<label for="id_{name}">{label}</label>' in html
    first_area = AreaOfExpertise.objects.order_by("order").first()
    assert f'<optgroup label="{first_area.name}">' in html
    assert '<option value="home-visiting">Home visiting</option>' in html


def test_resource_library_unknown_filter_values_get_a_message_and_are_ignored(
    varied_library, client
):
    response = client.get(
        varied_library.url, {"competency": "made-up", "sector": "astronauts", "type": "course"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose a competency from the list." in html
    assert "Choose a sector from the list." in html
    assert 'aria-describedby="id_competency_error"' in html
    assert 'aria-invalid="true"' in html
    # The valid filter still applies; the invalid ones change nothing.
    assert _titles(response) == {"Screening course for child care"}
    assert response.context["filter_query"] == "type=course"


def test_resource_library_pagination_keeps_the_filters(library, client):
    for number in range(PAGE_SIZE + 2):
        builders.resource(library, f"Attachment resource {number}", competencies=[ATTACHMENT])
    builders.resource(library, "Screening resource", competencies=[SCREENING])

    first = client.get(library.url, {"competency": ATTACHMENT})
    second = client.get(library.url, {"competency": ATTACHMENT, "page": 2})

    assert f'href="?competency={ATTACHMENT}&amp;page=2" rel="next"' in first.content.decode()
    assert len(first.context["items"]) == PAGE_SIZE
    assert _titles(second) == {"Attachment resource 1", "Attachment resource 0"}
    assert f'href="?competency={ATTACHMENT}&amp;page=1" rel="prev"' in second.content.decode()


def test_resource_library_bad_page_number_shows_the_first_page(varied_library, client):
    response = client.get(varied_library.url, {"page": "ten"})

    assert response.status_code == 200
    assert response.context["items"].number == 1


def test_research_index_filters_by_competency(research, client):
    builders.research_update(research, "Attachment study", competencies=[ATTACHMENT])
    builders.research_update(research, "Screening study", competencies=[SCREENING])

    response = client.get(research.url, {"competency": ATTACHMENT})

    assert _titles(response) == {"Attachment study"}


# --- constant queries at 1 and 30 items -------------------------------------------------------


def _count_queries(client, url) -> int:
    client.get(url)  # warm Wagtail's site-root cache, as every request after the first finds it
    counts = []
    # The fewer of two warm requests: a cached read left by an earlier test (the Redis cache
    # outlives each test's transaction) can expire between requests and cost one more query
    # once. A count that grows with the items grows in both.
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context.get("items") or response.context.get("areas")) >= 1
        counts.append(len(queries))
    return min(counts)


def _listing(kind: str):
    """The listing page of `kind` and a function adding `count` tagged items to it."""
    competencies = [ATTACHMENT, SCREENING]
    if kind == "research":
        parent = builders.research_index()

        def add(start, count):
            for number in range(start, start + count):
                builders.research_update(parent, f"Update {number}", competencies=competencies)

        return parent.url, add
    if kind == "content":
        parent = builders.content_index()

        def add(start, count):
            for number in range(start, start + count):
                builders.content_page(parent, f"Article {number}", competencies=competencies)

        return parent.url, add
    parent = builders.library()

    def add(start, count):
        for number in range(start, start + count):
            builders.resource(
                parent,
                f"Resource {number}",
                competencies=competencies,
                sectors=["home-visiting", "child-care"],
            )

    return parent.url + ("competencies/" if kind == "browse" else ""), add


# A signed-in member's request: Wagtail's routing and view restrictions, the session and user, the
# header's notification count, the userbar's permission checks, the filter form's choices, and the
# listing with its prefetches (19 for the library today).
MAX_LISTING_QUERIES = 20


@pytest.mark.parametrize("kind", ["library", "research", "content", "browse"])
def test_listing_query_count_is_the_same_at_1_and_30_items(db, client, kind):
    client.force_login(UserFactory())
    url, add = _listing(kind)
    add(0, 1)
    one = _count_queries(client, url)

    add(1, 29)
    thirty = _count_queries(client, url)

    assert one == thirty
    assert thirty <= MAX_LISTING_QUERIES


# --- browse by competency ---------------------------------------------------------------------


def test_browse_by_competency_counts_only_what_the_viewer_may_read(library, client):
    builders.resource(library, "Public attachment", competencies=[ATTACHMENT])
    builders.resource(library, "Members attachment", competencies=[ATTACHMENT], members_only=True)
    builders.resource(library, "Public screening", competencies=[SCREENING])
    url = library.url + "competencies/"

    visitor = client.get(url)
    client.force_login(UserFactory())
    member = client.get(url)

    def counts(response):
        return {
            competency.slug: competency.resource_count
            for area in response.context["areas"]
            for competency in area.competencies.all()
        }

    assert counts(visitor)[ATTACHMENT] == 1
    assert counts(member)[ATTACHMENT] == 2
    assert counts(visitor)[SCREENING] == 1
    html = visitor.content.decode()
    assert f'href="/resources/?competency={ATTACHMENT}"' in html
    for area in AreaOfExpertise.objects.all():
        assert f">{area.name}</h2>" in html.replace("&amp;", "&")
    assert len(counts(visitor)) == Competency.objects.count()


# --- the research feed ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["feed/", "feed/atom/"])
def test_research_feed_lists_public_updates_with_links(research, client, path):
    builders.research_update(research, "Public study", competencies=[ATTACHMENT])

    response = client.get(research.url + path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/rss+xml" if path == "feed/" else "application/atom+xml"
    )
    body = response.content.decode()
    assert "Public study" in body
    assert "http://testserver/research/public-study/" in body
    assert "attachment, separation, trauma, grief &amp; loss" in body


def test_research_index_links_its_feeds(research, client):
    html = client.get(research.url).content.decode()

    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'href="/research/feed/"' in html and 'href="/research/feed/atom/"' in html


# --- the editor's competency chooser ----------------------------------------------------------


def _add_url(parent) -> str:
    return f"/admin/pages/add/resources/resourcepage/{parent.pk}/"


def test_editor_form_offers_competencies_grouped_by_area(library, editor, client):
    client.force_login(editor)

    response = client.get(_add_url(library))

    assert response.status_code == 200
    html = response.content.decode()
    for area in AreaOfExpertise.objects.exclude(competencies=None):
        assert f"<legend>{area.name}</legend>".replace("&", "&amp;") in html
    first = Competency.objects.order_by("area__order", "order").first()
    assert f'value="{first.pk}"' in html
    assert 'class="competency-chooser"' in html


def _form_data(client, url, **fields):
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    for name, value in fields.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    # A dict of lists: the test client would send only the last value of a QueryDict's key.
    return {name: data.getlist(name) for name in data}


def test_editor_saving_the_form_tags_the_page_with_the_chosen_competencies(library, editor, client):
    client.force_login(editor)
    chosen = [builders.competency(ATTACHMENT), builders.competency(SCREENING)]
    url = _add_url(library)
    data = _form_data(
        client,
        url,
        title="Tagged in the editor",
        slug="tagged-in-the-editor",
        summary="Saved through the admin form.",
        resource_type="handout",
        competencies=[str(c.pk) for c in chosen],
        audience_sectors=[str(AudienceSector.objects.get(slug="home-visiting").pk)],
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    page = ResourcePage.objects.get(slug="tagged-in-the-editor")
    assert set(page.competencies.all()) == set(chosen)
    revision = page.get_latest_revision_as_object()
    assert set(revision.competencies.all()) == set(chosen)
    assert [sector.slug for sector in page.audience_sectors.all()] == ["home-visiting"]
    edit = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert f'value="{chosen[0].pk}" id="id_competencies_' in edit
    assert edit.count(" checked>") >= 2


def test_editor_cannot_invent_a_competency(library, editor, client):
    client.force_login(editor)
    url = _add_url(library)
    competencies_before = Competency.objects.count()
    data = _form_data(
        client,
        url,
        title="Invented competency",
        slug="invented-competency",
        summary="Should not save.",
        resource_type="handout",
        competencies=["999999", "brand new skill"],
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert "competencies" in response.context["form"].errors
    assert "not a competency of the framework" in response.content.decode()
    assert not ResourcePage.objects.filter(slug="invented-competency").exists()
    assert Competency.objects.count() == competencies_before


# --- the demo ---------------------------------------------------------------------------------


def test_demo_has_content_pages_sectors_and_enough_items_and_stays_idempotent(db):
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (
        IMHContentPage.objects.count(),
        ResourcePage.objects.count(),
        ResearchUpdatePage.objects.count(),
        ResourcePage.objects.filter(audience_sectors__isnull=False).distinct().count(),
    )

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    content_pages, resources, research, with_sectors = counts
    assert content_pages >= 2
    assert ContentIndexPage.objects.count() == 1
    assert all(page.body.raw_data for page in IMHContentPage.objects.all())
    assert resources + research >= 30
    assert with_sectors >= resources // 2
    assert ResourcePage.objects.filter(
        members_only=False, title__icontains="attachment", live=True
    ).exists()
    again = (
        IMHContentPage.objects.count(),
        ResourcePage.objects.count(),
        ResearchUpdatePage.objects.count(),
        ResourcePage.objects.filter(audience_sectors__isnull=False).distinct().count(),
    )
    assert again == counts
    assert Group.objects.filter(name="Reviewers").exists()
    assert User.objects.filter(username="staff").exists()


def test_editor_cannot_take_a_slug_the_library_uses_for_its_own_pages(library, editor, client):
    client.force_login(editor)
    url = _add_url(library)
    data = _form_data(
        client,
        url,
        title="Competencies",
        slug="competencies",
        summary="Would hide the browse page.",
        resource_type="handout",
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert (
        "is the address of the library&#x27;s Browse by competency page"
        in response.content.decode()
    )
    assert not ResourcePage.objects.filter(slug="competencies").exists()
    assert client.get(library.url + "competencies/").status_code == 200
