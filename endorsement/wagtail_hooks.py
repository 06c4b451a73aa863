"""Wagtail admin for the ledger: staff verify endorsements and look into entries.

Categories and requirements (with effective dates) are edited under "Framework", registered by
competencies/wagtail_hooks.py; nothing here duplicates them.
"""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from endorsement.models import Credential, RscEntry, TrainingEntry
from endorsement.services import credential_unverify, credential_verify

VERIFY_REFUSED = "Only administrators verify endorsements."


class CredentialAdminForm(WagtailAdminModelForm):
    """Verification as a tick box that goes through the ledger's service, so who verified and
    when is recorded and audited, and only administrators can change it (a staff member who
    may edit the rest sees the box but cannot change it)."""

    verified = forms.BooleanField(
        required=False,
        label="Verified",
        help_text="Tick once you checked this endorsement in the association's registry; the "
        "member's badge then says verified. Who verified and when are recorded.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verified"].initial = bool(self.instance.verified_at)

    def clean_verified(self):
        verified = self.cleaned_data["verified"]
        changed = verified != bool(self.instance.verified_at)
        user = self.for_user
        if changed and not (user and user.has_perm("endorsement.verify_credential", self.instance)):
            raise forms.ValidationError(VERIFY_REFUSED)
        return verified

    def save(self, commit=True):
        credential = super().save(commit=commit)
        if commit:
            self.verification_save(credential)
        return credential

    def verification_save(self, credential) -> None:
        verified = self.cleaned_data.get("verified", False)
        if verified and not credential.verified_at:
            credential_verify(actor=self.for_user, credential=credential)
        elif not verified and credential.verified_at:
            credential_unverify(actor=self.for_user, credential=credential)


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
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("member"), FieldPanel("category")]),
            FieldRowPanel([FieldPanel("association"), FieldPanel("endorsement_id")]),
            FieldPanel("earned_on"),
            FieldPanel("verified"),
        ],
        base_form_class=CredentialAdminForm,
    )

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
