"""Forms of the cohort pages: parse input; the services decide."""

from django import forms

from accounts.errors import DomainError
from collaboratives.models import Role
from collaboratives.room_services import REPORT_REASON_MAX


class AccessibleForm(forms.Form):
    """Ties each input to its help text and its errors (aria-describedby, aria-invalid), so a
    screen reader reads them with the field; and puts a service's DomainError on the field it
    names, or on the form as a whole."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe_fields()

    def full_clean(self):
        super().full_clean()
        self._describe_fields()

    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)
        self._describe_fields()

    def _describe_fields(self) -> None:
        errors = self._errors or {}
        for name, field in self.fields.items():
            auto_id = self[name].auto_id
            ids = [f"{auto_id}_helptext"] if field.help_text else []
            if name in errors:
                ids.append(f"{auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)


class InvitationForm(AccessibleForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter the email address to invite.",
            "invalid": "Enter a valid email address.",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        initial=Role.MEMBER,
        error_messages={"invalid_choice": "Choose member or facilitator."},
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role", choices=Role.choices, error_messages={"invalid_choice": "Choose a role."}
    )


class InvitationSignupForm(AccessibleForm):
    """A new account for the invited address; the address itself comes from the invitation."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. You sign in with it or your email.",
        error_messages={"required": "Choose a username."},
    )
    display_name = forms.CharField(
        label="Display name",
        max_length=80,
        required=False,
        help_text="Optional. How other members see you; your username if left empty.",
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not only digits, not a common password.",
        error_messages={"required": "Choose a password."},
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the password again."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password")
            and cleaned.get("password_again") is not None
            and cleaned["password"] != cleaned["password_again"]
        ):
            self.add_error("password_again", "The two passwords differ. Type them again.")
        return cleaned


# --- moderation --------------------------------------------------------------------------------
REPORT_REASON_MIN = 3
MUTE_LENGTHS = [(15, "15 minutes"), (60, "1 hour"), (60 * 24, "1 day"), (60 * 24 * 7, "1 week")]


class ReportForm(AccessibleForm):
    reason = forms.CharField(
        label="Why should the facilitators look at this message?",
        min_length=REPORT_REASON_MIN,
        max_length=REPORT_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            f"{REPORT_REASON_MIN} to {REPORT_REASON_MAX} characters. The facilitators see your "
            "report and your name; other members do not."
        ),
        error_messages={
            "required": "Say briefly why you are reporting this message.",
            "min_length": "Say briefly why you are reporting this message (at least "
            f"{REPORT_REASON_MIN} characters).",
            "max_length": f"Keep the reason to {REPORT_REASON_MAX} characters or fewer "
            "(it has %(show_value)d).",
        },
    )


class ReportResolveForm(forms.Form):
    """The two buttons of a report in the review queue; they carry no typed input."""

    report = forms.IntegerField(
        min_value=1,
        max_value=2**63 - 1,  # a database key; larger numbers cannot even be looked up
        error_messages={
            "required": "Choose a report.",
            "invalid": "Choose a report.",
            "min_value": "Choose a report.",
            "max_value": "Choose a report.",
        },
    )
    outcome = forms.ChoiceField(
        choices=[("removed", "Remove message"), ("dismissed", "Dismiss")],
        error_messages={
            "required": "Choose to remove the message or to dismiss the report.",
            "invalid_choice": "Choose to remove the message or to dismiss the report.",
        },
    )


class MuteForm(AccessibleForm):
    """Mute a member for one of a few fixed lengths; `members` are the people who may be muted."""

    user = forms.TypedChoiceField(
        label="Member",
        coerce=int,
        error_messages={
            "required": "Choose the member to mute.",
            "invalid_choice": "Choose a member of this room; facilitators cannot be muted.",
        },
    )
    minutes = forms.TypedChoiceField(
        label="For how long",
        coerce=int,
        choices=MUTE_LENGTHS,
        initial=60,
        error_messages={
            "required": "Choose how long the mute lasts.",
            "invalid_choice": "Choose how long the mute lasts: 15 minutes, 1 hour, 1 day or "
            "1 week.",
        },
    )
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=255,
        help_text="Kept in the audit log with the mute. At most 255 characters.",
        error_messages={"max_length": "Keep the reason to 255 characters or fewer."},
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a member")] + [
            (member.pk, f"{member.name} ({member.get_username()})") for member in members
        ]
