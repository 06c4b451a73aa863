"""The resources app's own searchable sources: resources, research updates and IMH content."""

from django.core.exceptions import FieldDoesNotExist

from resources import selectors
from resources.models import IMHContentPage, ResearchUpdatePage, ResourcePage, ResourceType
from resources.search.registry import PageSearchSource, register


class ResourceSource(PageSearchSource):
    key = "resources.resource"
    model = ResourcePage
    type_choices = tuple(ResourceType.choices)

    def indexable(self):
        queryset = super().indexable()
        if _has_field(ResourcePage, "audience_sectors"):
            queryset = queryset.prefetch_related("audience_sectors")
        return queryset

    def type_of(self, obj) -> str:
        return obj.resource_type

    def extra_labels(self, obj) -> dict[str, list[str]]:
        labels = {"age": [obj.age_band] if obj.age_band else []}
        if _has_field(ResourcePage, "audience_sectors"):
            labels["sector"] = sorted(sector.slug for sector in obj.audience_sectors.all())
        return labels

    def visible(self, *, user):
        return selectors.resources_visible_to(user=user)


class ResearchUpdateSource(PageSearchSource):
    key = "resources.research"
    model = ResearchUpdatePage
    type_choices = (("research-update", "Research update"),)
    body_fields = ("authors", "citation", "body")

    def visible(self, *, user):
        return selectors.research_updates_visible_to(user=user)


class IMHContentSource(PageSearchSource):
    key = "resources.content"
    model = IMHContentPage
    type_choices = (("imh-content", "About IMH"),)

    def visible(self, *, user):
        return selectors.content_pages_visible_to(user=user)


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def register_all() -> None:
    for source in (ResourceSource(), ResearchUpdateSource(), IMHContentSource()):
        register(source)
