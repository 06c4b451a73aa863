"""The editor's competency chooser: the framework's competencies as checkboxes grouped by Area.

Competencies are a controlled vocabulary, so the page form offers only existing ones (taggit's
free-text tag field would create a new "competency" for every typo, and a Competency cannot
exist without its Area). The chosen Competency objects are saved through the page's
ClusterTaggableManager, so revisions, previews and moderation keep them like any other field.
"""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from wagtail.admin.forms import WagtailAdminPageForm

from competencies.models import Competency


class GroupedCompetencyIterator(ModelChoiceIterator):
    """Choices as (Area name, [competency choices]) groups, in framework order (one query)."""

    def __iter__(self):
        groups: dict[int, tuple[str, list]] = {}
        queryset = self.queryset.select_related("area").order_by(
            "area__order", "area__name", "order", "name"
        )
        for competency in queryset:
            area = competency.area
            groups.setdefault(area.pk, (area.name, []))[1].append(self.choice(competency))
        yield from groups.values()


class GroupedCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """One fieldset per Area of Expertise, its legend the Area's name.

    Rendered with the project's template engine (templates/resources/widgets/), which Django's
    default form renderer would not search.
    """

    template_name = "resources/widgets/grouped_checkboxes.html"

    class Media:
        # The chooser's layout (a bordered fieldset per Area); the editor loads form media.
        css = {"all": ["css/content.css"]}

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        return mark_safe(render_to_string(self.template_name, context))  # noqa: S308 (template)


class CompetencyChoiceField(forms.ModelMultipleChoiceField):
    iterator = GroupedCompetencyIterator
    widget = GroupedCheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Competency.objects.all())
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", "Tick every competency this page helps to build, under its Area."
        )
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": "%(value)s is not a competency of the framework; tick one "
                "of those listed.",
                "invalid_pk_value": "“%(pk)s” is not a competency of the framework; tick one "
                "of those listed.",
            },
        )
        super().__init__(**kwargs)

    def clean(self, value):
        # A list, not a QuerySet: the taggable manager's set() takes tag objects.
        return list(super().clean(value))


class CompetencyTaggedPageForm(WagtailAdminPageForm):
    """Page form of every competency-tagged page type: the grouped chooser replaces the free tag
    field Wagtail would generate for the `competencies` taggable manager."""

    competencies = CompetencyChoiceField(label="Competencies")
