"""Forms of the endorsement pages: input shapes only; the rules live in services."""

from django import forms
from django.utils import timezone

from competencies.models import AreaOfExpertise, Competency, EndorsementCategory
from endorsement.models import AgeGroup, RscEntry, Sharing, TrainingEntry
from endorsement.selectors import qualifying_providers


class DateInput(forms.DateInput):
    input_type = "date"


class TrainingEntryForm(forms.Form):
    title = forms.CharField(max_length=200)
    provider = forms.CharField(max_length=200, required=False, label="Training provider")
    date = forms.DateField(widget=DateInput)
    hours = forms.DecimalField(
        label="Clock hours", max_digits=5, decimal_places=2, help_text="For example 1.5"
    )
    format = forms.ChoiceField(choices=TrainingEntry.Format.choices)
    areas = forms.ModelMultipleChoiceField(
        queryset=AreaOfExpertise.objects.order_by("order"),
        required=False,
        label="Areas of Expertise",
        widget=forms.CheckboxSelectMultiple,
    )
    competencies = forms.ModelMultipleChoiceField(
        queryset=Competency.objects.select_related("area"),
        required=False,
        help_text="Optional: the competencies the training addressed.",
    )
    about_providing_rsc = forms.BooleanField(
        required=False, label="This training was about providing reflective supervision"
    )
    certificate = forms.FileField(
        required=False,
        help_text="Optional PDF, PNG or JPEG. Only you and administrators can open it.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("areas") and not data.get("competencies"):
            self.add_error("areas", "Choose at least one Area of Expertise or competency.")
        return data


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RscEntryForm(forms.Form):
    provider = ProviderChoiceField(
        queryset=None,
        required=False,
        label="Provider on the platform",
        empty_label="Not on the platform (enter the name below)",
        help_text="Qualifying RSC providers from the provider directory.",
    )
    provider_name = forms.CharField(max_length=160, required=False, label="Provider's name")
    provider_endorsement_id = forms.CharField(
        max_length=60, required=False, label="Provider's endorsement ID"
    )
    format = forms.ChoiceField(choices=RscEntry.Format.choices, label="Individual or group")
    group_size = forms.IntegerField(
        required=False, min_value=2, max_value=50, help_text="Only for group supervision."
    )
    date = forms.DateField(widget=DateInput)
    hours = forms.DecimalField(
        label="Clock hours", max_digits=5, decimal_places=2, help_text="For example 1.5"
    )
    age_group = forms.ChoiceField(
        choices=[("", "Choose")] + AgeGroup.choices, label="Age group you served"
    )
    about_rsc_provided = forms.BooleanField(
        required=False, label="About the RSC I provide (Mentor-Clinical)"
    )
    peer_group = forms.BooleanField(
        required=False, label="Peer supervision with no qualifying provider (recorded, not counted)"
    )

    def __init__(self, *args, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        providers = qualifying_providers().order_by("first_name", "last_name", "username")
        if member is not None:
            providers = providers.exclude(pk=member.pk)
        self.fields["provider"].queryset = providers


class GoalForm(forms.Form):
    goal = forms.ChoiceField(label="My goal")

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a goal")]
        for category in EndorsementCategory.objects.select_related("program"):
            choices.append((f"earn:{category.pk}", f"Earn {category.program.code} {category}"))
        for credential in member.credentials.select_related("category"):
            choices.append((f"renew:{credential.category_id}", f"Renew my {credential.category}"))
        self.fields["goal"].choices = choices
        if member.goal_category_id:
            mode = "renew" if member.goal_is_renewal else "earn"
            self.initial.setdefault("goal", f"{mode}:{member.goal_category_id}")

    def clean_goal(self):
        mode, _, pk = self.cleaned_data["goal"].partition(":")
        category = EndorsementCategory.objects.filter(pk=pk).first()
        if category is None:
            raise forms.ValidationError("Choose a goal from the list.")
        return category, mode == "renew"


class DocumentsForm(forms.Form):
    documents = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Done outside the platform"
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = items


class DisputeForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label="What is wrong?"
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("decline", "Decline")])
    reason = forms.CharField(max_length=300, required=False, label="Reason (when declining)")


class SharingForm(forms.Form):
    sharing = forms.ChoiceField(
        choices=Sharing.choices, widget=forms.RadioSelect, label="What my facilitators see"
    )
    organization = forms.CharField(max_length=160, required=False)
    in_directory = forms.BooleanField(required=False, label="List me in the member directory")
    show_sector = forms.BooleanField(required=False, label="Show my sector")
    show_county = forms.BooleanField(required=False, label="Show my county")
    show_organization = forms.BooleanField(required=False, label="Show my organization")
    show_collaboratives = forms.BooleanField(required=False, label="Show my collaboratives")
    show_badge = forms.BooleanField(required=False, label="Show my endorsement badge")
    provider_listed = forms.BooleanField(
        required=False, label="List me in the RSC provider directory (qualifying providers)"
    )
    provider_virtual = forms.BooleanField(required=False, label="I offer RSC virtually")
    provider_individual = forms.BooleanField(required=False, label="I offer individual RSC")
    provider_group = forms.BooleanField(required=False, label="I offer group RSC")
    accepting_supervisees = forms.BooleanField(required=False, label="I accept new supervisees")


class CredentialForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=EndorsementCategory.objects.select_related("program"),
        label="Endorsement I hold",
    )
    endorsement_id = forms.CharField(max_length=60, required=False, label="Endorsement ID")
    earned_on = forms.DateField(required=False, widget=DateInput, label="Earned on")


class ProviderFilterForm(forms.Form):
    county = forms.CharField(required=False, max_length=40)
    format = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any"),
            ("individual", "Individual"),
            ("group", "Group"),
            ("virtual", "Virtual"),
        ],
    )
    category = forms.ModelChoiceField(
        queryset=EndorsementCategory.objects.filter(qualifies_rsc_provider=True),
        required=False,
        empty_label="Any",
        to_field_name="code",
    )


class ContactForm(forms.Form):
    message = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 5}), label="Your message"
    )


def today():
    return timezone.localdate()
