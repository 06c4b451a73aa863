"""Wagtail admin for the competency framework: one "Framework" menu with a listing per model.

Registered as snippets, so other editors' forms get a chooser for areas, competencies and
categories. Access follows Wagtail's model permissions (add/change/delete per model).
"""

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, StatusFlagColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from competencies.forms import CompetencyForm
from competencies.models import (
    AreaOfExpertise,
    Association,
    CategoryRequirement,
    Competency,
    EndorsementCategory,
    Program,
    RenewalRule,
)


class ProgramViewSet(SnippetViewSet):
    model = Program
    icon = "folder-open-inverse"
    menu_label = "Programs"
    copy_view_enabled = False
    list_display = ["code", "name", "ages", "order"]
    search_fields = ["code", "name"]
    panels = [FieldPanel("code"), FieldPanel("name"), FieldPanel("ages"), FieldPanel("order")]


class AreaOfExpertiseViewSet(SnippetViewSet):
    model = AreaOfExpertise
    icon = "folder-inverse"
    menu_label = "Areas of Expertise"
    copy_view_enabled = False
    list_display = [
        "name",
        "order",
        BooleanColumn("mentors_only", label="Mentors only"),
        "confirmed",
        "slug",
    ]
    list_filter = ["confirmed", "mentors_only"]
    search_fields = ["name", "slug"]
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("order"), FieldPanel("mentors_only")]),
        FieldPanel("confirmed"),
    ]


class CompetencyViewSet(SnippetViewSet):
    model = Competency
    icon = "tag"
    menu_label = "Competencies"
    copy_view_enabled = False
    list_per_page = 50
    # The flag shows only on unconfirmed labels, so the ones staff must verify stand out.
    list_display = [
        "name",
        "area",
        StatusFlagColumn("confirmed", label="Source", false_label="Unconfirmed"),
        "order",
        "slug",
    ]
    list_filter = ["area", "confirmed"]
    search_fields = ["name", "slug"]
    edit_handler = ObjectList(
        [
            FieldPanel(
                "name", help_text="A short label only: the full wording belongs to MI-AIMH."
            ),
            FieldPanel("slug"),
            FieldPanel("area"),
            FieldRowPanel([FieldPanel("order"), FieldPanel("confirmed")]),
        ],
        base_form_class=CompetencyForm,
    )

    def get_queryset(self, request):
        return Competency.objects.select_related("area")


class AssociationViewSet(SnippetViewSet):
    model = Association
    icon = "site"
    menu_label = "Associations"
    copy_view_enabled = False
    list_display = ["name", "slug", "url"]
    search_fields = ["name", "slug"]
    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("url")]


class EndorsementCategoryViewSet(SnippetViewSet):
    model = EndorsementCategory
    icon = "pick"
    menu_label = "Endorsement categories"
    copy_view_enabled = False
    list_display = [
        "__str__",
        "program",
        "scope",
        BooleanColumn("qualifies_rsc_provider", label="Qualifies RSC provider"),
        "order",
    ]
    list_filter = ["program", "qualifies_rsc_provider"]
    search_fields = ["code", "name"]
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("program")]),
        FieldPanel("name"),
        FieldPanel("scope"),
        FieldPanel("education"),
        FieldPanel("work_experience"),
        FieldRowPanel([FieldPanel("qualifies_rsc_provider"), FieldPanel("order")]),
    ]

    def get_queryset(self, request):
        return EndorsementCategory.objects.select_related("program")


class CategoryRequirementViewSet(SnippetViewSet):
    model = CategoryRequirement
    icon = "list-ul"
    menu_label = "Category requirements"
    list_display = [
        "__str__",
        "category",
        "association",
        "effective_date",
        "training_hours_min",
        "rsc_hours",
        BooleanColumn("exam_required", label="Exam"),
    ]
    list_filter = ["association", "category"]
    panels = [
        FieldRowPanel([FieldPanel("category"), FieldPanel("association")]),
        FieldPanel(
            "effective_date",
            help_text="The date this requirement takes effect. For a rule change, add a new "
            "requirement with the new date instead of editing this one.",
        ),
        MultiFieldPanel(
            [FieldPanel("training_hours_min"), FieldPanel("training_note")],
            heading="Training",
        ),
        MultiFieldPanel(
            [
                FieldPanel("rsc_hours"),
                FieldRowPanel(
                    [FieldPanel("rsc_window_min_months"), FieldPanel("rsc_window_max_months")]
                ),
                FieldPanel("rsc_about_provided_hours"),
            ],
            heading="Reflective supervision/consultation",
        ),
        FieldPanel("exam_required"),
    ]

    def get_queryset(self, request):
        return CategoryRequirement.objects.select_related("category", "association")


class RenewalRuleViewSet(SnippetViewSet):
    model = RenewalRule
    icon = "rotate"
    menu_label = "Renewal rules"
    list_display = [
        "name",
        "association",
        "effective_date",
        "cycle_years",
        "training_hours_per_cycle",
        "rsc_hours_per_cycle",
        "next_due",
    ]
    list_filter = ["association"]
    panels = [
        FieldRowPanel([FieldPanel("association"), FieldPanel("name")]),
        FieldRowPanel([FieldPanel("effective_date"), FieldPanel("next_due")]),
        FieldPanel("cycle_years"),
        MultiFieldPanel(
            [
                FieldPanel("training_hours_per_cycle"),
                FieldPanel("rsc_provider_training_on_rsc_hours"),
                FieldPanel("rsc_hours_per_cycle"),
            ],
            heading="Hours per cycle",
        ),
    ]

    def get_queryset(self, request):
        return RenewalRule.objects.select_related("association")


class FrameworkViewSetGroup(SnippetViewSetGroup):
    menu_label = "Framework"
    menu_name = "framework"
    menu_icon = "tasks"
    menu_order = 250
    items = (
        ProgramViewSet,
        AreaOfExpertiseViewSet,
        CompetencyViewSet,
        AssociationViewSet,
        EndorsementCategoryViewSet,
        CategoryRequirementViewSet,
        RenewalRuleViewSet,
    )


register_snippet(FrameworkViewSetGroup)
