"""Wagtail admin for the ledger: staff verify endorsements and look into entries.

Categories and requirements (with effective dates) are edited under "Framework", registered by
competencies/wagtail_hooks.py; nothing here duplicates them.
"""

from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from endorsement.models import Credential, RscEntry, TrainingEntry


class CredentialViewSet(SnippetViewSet):
    model = Credential
    icon = "success"
    menu_label = "Held endorsements"
    copy_view_enabled = False
    list_display = [
        "__str__",
        "category",
        "endorsement_id",
        "verification_requested_at",
        BooleanColumn("verified_at", label="Verified"),
    ]
    list_filter = ["category", "verified_at", "verification_requested_at"]
    search_fields = ["endorsement_id", "member__username", "member__last_name"]
    panels = [
        FieldRowPanel([FieldPanel("member"), FieldPanel("category")]),
        FieldRowPanel([FieldPanel("association"), FieldPanel("endorsement_id")]),
        FieldPanel("earned_on"),
        FieldPanel(
            "verified_at",
            help_text="Set once you checked this endorsement in the association's registry; "
            "the member's badge then says verified.",
        ),
    ]

    def get_queryset(self, request):
        return Credential.objects.select_related("member", "category")


class TrainingEntryViewSet(SnippetViewSet):
    model = TrainingEntry
    icon = "doc-full"
    menu_label = "Training entries"
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["title", "member", "date", "hours", "source"]
    list_filter = ["source", "format"]
    search_fields = ["title", "member__username"]
    panels = [FieldPanel("note"), FieldPanel("dispute_reason")]


class RscEntryViewSet(SnippetViewSet):
    model = RscEntry
    icon = "group"
    menu_label = "RSC entries"
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["__str__", "member", "provider", "provider_name", "status", "source"]
    list_filter = ["status", "source", "format"]
    search_fields = ["member__username", "provider_name"]
    panels = [FieldPanel("note"), FieldPanel("dispute_reason")]


class EndorsementViewSetGroup(SnippetViewSetGroup):
    menu_label = "Endorsement ledger"
    menu_name = "endorsement-ledger"
    menu_icon = "list-ul"
    menu_order = 260
    items = (CredentialViewSet, TrainingEntryViewSet, RscEntryViewSet)


register_snippet(EndorsementViewSetGroup)
