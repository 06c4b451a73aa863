"""Resource library and research updates: Wagtail pages tagged by competency.

Competency tags use django-taggit with the framework's Competency as the tag model, so editors
choose from a controlled vocabulary; keyword tags are free.
"""

from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import render
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import ItemBase, TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from competencies.models import Competency


class MembersOnlyMixin(models.Model):
    """A page that visitors see only as a sign-in prompt when it is members-only."""

    members_only = models.BooleanField(
        default=False,
        help_text="Only signed-in members can read this page, its documents and search hits.",
    )

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


class ResourceLibraryPage(Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["resources.ResourcePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from resources.selectors import resources_visible_to

        context = super().get_context(request, *args, **kwargs)
        items = (
            resources_visible_to(user=request.user)
            .child_of(self)
            .order_by("-first_published_at", "-id")
            .prefetch_related("competencies")
        )
        context["items"] = Paginator(items, 12).get_page(request.GET.get("page"))
        return context


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


class ResourcePage(MembersOnlyMixin, Page):
    summary = models.TextField(max_length=500, help_text="One or two plain sentences.")
    resource_type = models.CharField(max_length=16, choices=ResourceType.choices)
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
    estimated_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    competencies = ClusterTaggableManager(
        through=ResourcePageCompetency, blank=True, related_name="resource_pages"
    )
    keywords = ClusterTaggableManager(
        through=ResourcePageKeyword, blank=True, related_name="+", verbose_name="keywords"
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("members_only"),
        index.FilterField("resource_type"),
    ]
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("resource_type"),
                FieldPanel("age_band"),
                FieldPanel("estimated_minutes"),
                FieldPanel("competencies"),
                FieldPanel("keywords"),
            ],
            heading="Classification",
        ),
        FieldPanel("body"),
        FieldPanel("external_url"),
        FieldPanel("document"),
        FieldPanel("members_only"),
    ]
    parent_page_types = ["resources.ResourceLibraryPage"]


class ResearchIndexPage(Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["resources.ResearchUpdatePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from resources.selectors import research_updates_visible_to

        context = super().get_context(request, *args, **kwargs)
        items = (
            research_updates_visible_to(user=request.user)
            .child_of(self)
            .order_by("-date", "-id")
            .prefetch_related("competencies")
        )
        context["items"] = Paginator(items, 12).get_page(request.GET.get("page"))
        return context


class ResearchUpdateCompetency(ItemBase):
    tag = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="research_update_items"
    )
    content_object = ParentalKey(
        "resources.ResearchUpdatePage", on_delete=models.CASCADE, related_name="competency_items"
    )


class ResearchUpdatePage(MembersOnlyMixin, Page):
    date = models.DateField("publication date")
    authors = models.CharField(max_length=255, blank=True)
    summary = models.TextField(max_length=1000, help_text="A plain-language summary.")
    citation = models.CharField(max_length=500, blank=True)
    link = models.URLField("link or DOI", blank=True)
    body = RichTextField(blank=True)
    competencies = ClusterTaggableManager(
        through=ResearchUpdateCompetency, blank=True, related_name="research_updates"
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
        FieldPanel("body"),
        FieldPanel("members_only"),
    ]
    parent_page_types = ["resources.ResearchIndexPage"]
