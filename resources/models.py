"""IMH content, research updates and the resource library: Wagtail pages tagged by competency.

Competency tags use django-taggit with the framework's Competency as the tag model, chosen in the
editor from the framework grouped by Area of Expertise (resources/widgets.py); keyword tags are
free. `members_only` is the one source of truth for "members only": serve() shows visitors a
sign-in prompt, selectors leave such pages out of every list for visitors, and a document hook
(resources/wagtail_hooks.py) refuses their documents to visitors.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import render
from django.utils.http import urlencode
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import ItemBase, TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from competencies.models import Competency
from resources.blocks import ContentStreamBlock
from resources.widgets import CompetencyTaggedPageForm

PAGE_SIZE = 12
MEMBERS_ONLY_HELP = "Only signed-in members can read this page, its documents and search hits."


def _refuse_route_slug(page, routes: dict[str, str]) -> None:
    """A child page whose slug is one of its index page's own routes would never be reachable:
    the route answers first."""
    if page.slug in routes:
        raise ValidationError(
            {"slug": f"“{page.slug}” is the address of {routes[page.slug]}; choose another slug."}
        )


class PrivateSectionsMixin:
    """Wagtail asks every page it serves for its view restrictions: two queries (the page's
    ancestors, then their restrictions) before any of its own work. A page outside every
    private section has none, and resources.selectors.private_sections() knows those sections
    without a query (cached; forgotten on any page or restriction change in this process, and
    at once everywhere when the cache is shared). Inside one, Wagtail's own lookup decides."""

    def get_view_restrictions(self):
        from resources.selectors import in_private_section

        if in_private_section(self):
            return super().get_view_restrictions()
        return PageViewRestriction.objects.none()


class CachedArticleMixin:
    """The article of a content page is the same for everyone who may read it (serve() and
    Wagtail's hook decide who may, before any rendering), so its template keeps it in the
    cache: rich text, tags, sectors, documents and the parent link cost about six queries.
    The key carries the cached reads' version (resources.selectors), which any page, image,
    document, tag or framework change renews."""

    def get_context(self, request, *args, **kwargs):
        from resources.selectors import CACHED_READS_SECONDS, cached_reads_version

        context = super().get_context(request, *args, **kwargs)
        context["content_version"] = cached_reads_version()
        context["content_seconds"] = CACHED_READS_SECONDS
        return context


class MembersOnlyMixin(models.Model):
    """A page that visitors see only as a sign-in prompt when it is members-only."""

    members_only = models.BooleanField(default=False, help_text=MEMBERS_ONLY_HELP)

    class Meta:
        abstract = True

    def serve(self, request, *args, **kwargs):
        if self.members_only and not request.user.is_authenticated:
            return render(request, "resources/members_only_prompt.html", {"page": self}, status=403)
        return super().serve(request, *args, **kwargs)


class ResourceType(models.TextChoices):
    ARTICLE = "article", "Article"
    HANDOUT = "handout", "Handout"
    TOOLKIT = "toolkit", "Toolkit"
    VIDEO = "video", "Video"
    WEBINAR = "webinar", "Webinar recording"
    COURSE = "course", "Course"
    LINK = "link", "Link"


class AgeBand(models.TextChoices):
    INFANT = "0-36m", "Prenatal to 36 months"
    EARLY_CHILDHOOD = "3-6y", "3 to 6 years"


class AudienceSector(models.Model):
    """A sector of the workforce a resource speaks to (child care, home visiting...).

    The same slugs as a member's profile sector, seeded by migration 0003; a table rather than
    a JSON list so that "resources for home visitors" is a join on any database.
    """

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


def _page_number(request) -> str:
    return request.GET.get("page", "1")


def _listing_context(request, form, items) -> dict:
    """The page of items, the filter form, and the filters again for the pagination links."""
    chosen = form.chosen()
    return {
        "items": Paginator(items, PAGE_SIZE).get_page(_page_number(request)),
        "filter_form": form,
        "filter_query": urlencode(chosen),
        "filtered": bool(chosen),
    }


# --- The resource library ---------------------------------------------------------------------


class ResourceLibraryPage(PrivateSectionsMixin, RoutablePageMixin, Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["resources.ResourcePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from resources.forms import ResourceFilterForm
        from resources.selectors import resources_listed

        context = super().get_context(request, *args, **kwargs)
        form = ResourceFilterForm(request.GET)
        items = resources_listed(user=request.user, library=self, **form.filters())
        context.update(_listing_context(request, form, items))
        context["browse_url"] = self.get_url(request) + self.reverse_subpage("browse_by_competency")
        return context

    @path("competencies/", name="browse_by_competency")
    def browse_by_competency(self, request):
        """Each Area of Expertise with its competencies and how many resources the viewer may
        read for each, linking to the library filtered by that competency."""
        from resources.selectors import competencies_with_resource_counts

        return render(
            request,
            "resources/browse_by_competency.html",
            {
                "page": self,
                "areas": competencies_with_resource_counts(user=request.user, library=self),
            },
        )


class ResourcePageCompetency(ItemBase):
    tag = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="resource_page_items"
    )
    content_object = ParentalKey(
        "resources.ResourcePage", on_delete=models.CASCADE, related_name="competency_items"
    )


class ResourcePageKeyword(TaggedItemBase):
    content_object = ParentalKey(
        "resources.ResourcePage", on_delete=models.CASCADE, related_name="keyword_items"
    )


class ResourcePage(PrivateSectionsMixin, CachedArticleMixin, MembersOnlyMixin, Page):
    summary = models.TextField(max_length=500, help_text="One or two plain sentences.")
    resource_type = models.CharField(max_length=16, choices=ResourceType.choices)
    audience_sectors = ParentalManyToManyField(
        AudienceSector,
        blank=True,
        related_name="resources",
        verbose_name="audience sectors",
        help_text="Who this is for; leave all unticked if it suits every sector.",
    )
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True)
    body = RichTextField(blank=True)
    external_url = models.URLField(blank=True)
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        "estimated time (minutes)", null=True, blank=True
    )
    competencies = ClusterTaggableManager(
        through=ResourcePageCompetency,
        blank=True,
        related_name="resource_pages",
        verbose_name="competencies",
    )
    keywords = ClusterTaggableManager(
        through=ResourcePageKeyword,
        blank=True,
        related_name="keyword_resource_pages",
        verbose_name="keywords",
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("members_only"),
        index.FilterField("resource_type"),
        index.FilterField("age_band"),
    ]
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("resource_type"),
                FieldPanel("audience_sectors", widget=forms.CheckboxSelectMultiple),
                FieldPanel("age_band"),
                FieldPanel("estimated_minutes"),
            ],
            heading="Classification",
        ),
        FieldPanel("competencies"),
        FieldPanel("keywords"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("document"), FieldPanel("external_url")],
            heading="The resource itself",
            help_text="A Wagtail document, an external link, or both.",
        ),
        FieldPanel("members_only"),
    ]
    base_form_class = CompetencyTaggedPageForm
    parent_page_types = ["resources.ResourceLibraryPage"]
    subpage_types = []

    def clean(self):
        super().clean()
        _refuse_route_slug(self, {"competencies": "the library's Browse by competency page"})


# --- Research updates -------------------------------------------------------------------------


class ResearchIndexPage(PrivateSectionsMixin, RoutablePageMixin, Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["resources.ResearchUpdatePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from resources.forms import CompetencyFilterForm
        from resources.selectors import research_updates_listed

        context = super().get_context(request, *args, **kwargs)
        form = CompetencyFilterForm(request.GET)
        items = research_updates_listed(user=request.user, index=self, **form.filters())
        context.update(_listing_context(request, form, items))
        context["feed_urls"] = self.feed_urls(request)
        return context

    def feed_urls(self, request=None) -> dict[str, str]:
        base = self.get_url(request)
        return {
            "rss": base + self.reverse_subpage("feed_rss"),
            "atom": base + self.reverse_subpage("feed_atom"),
        }

    @path("feed/", name="feed_rss")
    def feed_rss(self, request):
        from resources.feeds import ResearchUpdatesFeed

        return ResearchUpdatesFeed(index=self)(request)

    @path("feed/atom/", name="feed_atom")
    def feed_atom(self, request):
        from resources.feeds import ResearchUpdatesAtomFeed

        return ResearchUpdatesAtomFeed(index=self)(request)


class ResearchUpdateCompetency(ItemBase):
    tag = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="research_update_items"
    )
    content_object = ParentalKey(
        "resources.ResearchUpdatePage", on_delete=models.CASCADE, related_name="competency_items"
    )


class ResearchUpdateKeyword(TaggedItemBase):
    content_object = ParentalKey(
        "resources.ResearchUpdatePage", on_delete=models.CASCADE, related_name="keyword_items"
    )


class ResearchUpdatePage(PrivateSectionsMixin, CachedArticleMixin, MembersOnlyMixin, Page):
    date = models.DateField("publication date")
    authors = models.CharField(max_length=255, blank=True)
    summary = models.TextField(max_length=1000, help_text="A plain-language summary.")
    citation = models.CharField(max_length=500, blank=True)
    link = models.URLField("link or DOI", blank=True)
    body = RichTextField(blank=True)
    competencies = ClusterTaggableManager(
        through=ResearchUpdateCompetency,
        blank=True,
        related_name="research_updates",
        verbose_name="competencies",
    )
    keywords = ClusterTaggableManager(
        through=ResearchUpdateKeyword,
        blank=True,
        related_name="keyword_research_updates",
        verbose_name="keywords",
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("authors"),
        index.SearchField("body"),
        index.FilterField("members_only"),
    ]
    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("authors"),
        FieldPanel("summary"),
        FieldPanel("citation"),
        FieldPanel("link"),
        FieldPanel("competencies"),
        FieldPanel("keywords"),
        FieldPanel("body"),
        FieldPanel("members_only"),
    ]
    base_form_class = CompetencyTaggedPageForm
    parent_page_types = ["resources.ResearchIndexPage"]
    subpage_types = []

    def clean(self):
        super().clean()
        _refuse_route_slug(self, {"feed": "the research updates feed"})


# --- IMH content ------------------------------------------------------------------------------


class ContentIndexPage(PrivateSectionsMixin, Page):
    """A section of IMH content pages ("About infant mental health"), filterable by competency."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["resources.IMHContentPage"]

    def get_context(self, request, *args, **kwargs):
        from resources.forms import CompetencyFilterForm
        from resources.selectors import content_pages_listed

        context = super().get_context(request, *args, **kwargs)
        form = CompetencyFilterForm(request.GET)
        items = content_pages_listed(user=request.user, parent=self, **form.filters())
        context.update(_listing_context(request, form, items))
        return context


class IMHContentCompetency(ItemBase):
    tag = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="content_page_items")
    content_object = ParentalKey(
        "resources.IMHContentPage", on_delete=models.CASCADE, related_name="competency_items"
    )


class IMHContentKeyword(TaggedItemBase):
    content_object = ParentalKey(
        "resources.IMHContentPage", on_delete=models.CASCADE, related_name="keyword_items"
    )


class IMHContentPage(PrivateSectionsMixin, CachedArticleMixin, MembersOnlyMixin, Page):
    """An article about infant and early childhood mental health, built from blocks."""

    summary = models.TextField(
        max_length=500, help_text="One or two plain sentences, shown in lists and search results."
    )
    body = StreamField(ContentStreamBlock(), blank=True)
    competencies = ClusterTaggableManager(
        through=IMHContentCompetency,
        blank=True,
        related_name="content_pages",
        verbose_name="competencies",
    )
    keywords = ClusterTaggableManager(
        through=IMHContentKeyword,
        blank=True,
        related_name="keyword_content_pages",
        verbose_name="keywords",
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("members_only"),
    ]
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("competencies"),
        FieldPanel("keywords"),
        FieldPanel("members_only"),
    ]
    base_form_class = CompetencyTaggedPageForm
    subpage_types = ["resources.IMHContentPage"]

    class Meta:
        verbose_name = "IMH content page"

    @classmethod
    def can_create_at(cls, parent) -> bool:
        # Anywhere in the site (under the home page, a content index or another content page)
        # but never as a site root; listing the home page type here would tie this app to site/.
        return parent.depth > 1 and super().can_create_at(parent)
