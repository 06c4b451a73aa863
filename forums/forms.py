"""Forum forms: shapes and field-level checks only; rules live in services."""

from django import forms
from django.conf import settings

from collaboratives.forms import AccessibleForm as BaseAccessibleForm
from competencies.models import Competency
from forums.models import Board, DigestPreference


class AccessibleForm(BaseAccessibleForm):
    """The collaboratives' accessible form, re-describing fields after any added error."""

    def add_error(self, field, error):
        super().add_error(field, error)
        self._describe_fields()


def _body_field(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    # No max_length here: the service gives the message, and the text stays in the form.
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=help_text,
    )


MARKDOWN_HELP = (
    "Markdown: *emphasis*, **strong**, lists, > quotes, `code` and links. "
    "Mention someone with @username."
)


class TopicForm(AccessibleForm):
    title = forms.CharField(label="Title", required=False, strip=False)
    body = _body_field("Your post", required=False, help_text=MARKDOWN_HELP)
    competencies = forms.ModelMultipleChoiceField(
        label="Competencies",
        queryset=Competency.objects.none(),
        required=False,
        help_text="Tag the competencies this topic is about (optional).",
    )
    session = forms.ModelChoiceField(
        label="Link to a session",
        queryset=None,
        required=False,
        help_text="For example, questions for an upcoming session (optional).",
    )
    resource = forms.ModelChoiceField(
        label="Link to a resource",
        queryset=None,
        required=False,
        help_text="A resource from the library this topic discusses (optional).",
    )

    def __init__(self, *args, sessions, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["maxlength"] = settings.FORUMS_TITLE_MAX_LENGTH
        self.fields["competencies"].queryset = Competency.objects.order_by("name")
        self.fields["session"].queryset = sessions
        self.fields["resource"].queryset = resources


class CaseConsultationForm(TopicForm):
    body = None
    summary = _body_field(
        "Case summary (de-identified)",
        required=False,
        help_text=(
            "Describe the family without anything that identifies them: no names, dates of "
            "birth, addresses, phone numbers or emails. Use ages and roles (the 14-month-old, "
            "her mother)."
        ),
    )
    question = _body_field("Your question for the group", required=False)
    recommendations = _body_field(
        "Recommendations so far",
        required=False,
        help_text="What has been tried or suggested; others add theirs in replies (optional).",
    )
    field_order = ["title", "summary", "question", "recommendations"]


class ReplyForm(AccessibleForm):
    body = _body_field("Your reply", required=False, help_text=MARKDOWN_HELP)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class EditForm(AccessibleForm):
    body = _body_field("Text", required=False, help_text=MARKDOWN_HELP)


class ReportForm(AccessibleForm):
    reason = forms.CharField(
        label="What is wrong with this post?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Facilitators see your reason; the author does not see who reported.",
    )


class MoveForm(AccessibleForm):
    board = forms.ModelChoiceField(label="Move to board", queryset=Board.objects.none())

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards


class DigestForm(AccessibleForm):
    frequency = forms.ChoiceField(
        label="Email digest of followed topics",
        choices=DigestPreference.Frequency.choices,
        widget=forms.RadioSelect,
    )


class BoardForm(AccessibleForm):
    name = forms.CharField(label="Name", max_length=120)
    slug = forms.SlugField(label="Address (slug)", max_length=80)
    description = forms.CharField(label="Description", max_length=255, required=False)
    scope = forms.ChoiceField(label="Who may read it", choices=Board.Scope.choices)
    cohort = forms.ModelChoiceField(label="Cohort", queryset=None, required=False)
    collaborative = forms.ModelChoiceField(label="Collaborative", queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from collaboratives.models import Cohort, Collaborative

        self.fields["cohort"].queryset = Cohort.objects.select_related("collaborative")
        self.fields["collaborative"].queryset = Collaborative.objects.all()
