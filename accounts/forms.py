"""Sign-in and profile forms: parsing and rendering only; the rules live in services."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core import validators
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from accounts.counties import COUNTY_CHOICES
from accounts.models import Sector
from accounts.services import DISPLAY_NAME_MAX_LENGTH
from accounts.two_factor import CODE_REFUSED, second_factor_check, two_factor_enabled
from competencies.models import EndorsementCategory

# One answer whether the account is unknown, the password wrong or the account switched off,
# so the sign-in form never tells anyone which accounts exist.
SIGN_IN_REFUSED = (
    "That username or email and password did not match. Check them and try again, "
    "or reset your password."
)
EMAIL_MAX_LENGTH = 254


class SignInForm(AuthenticationForm):
    username = UsernameField(
        label="Username or email",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {"invalid_login": SIGN_IN_REFUSED, "inactive": SIGN_IN_REFUSED}

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # AuthenticationForm limits the field to the username's 150 characters; an email address
        # may be up to 254.
        field = self.fields["username"]
        field.max_length = EMAIL_MAX_LENGTH
        field.validators.append(validators.MaxLengthValidator(EMAIL_MAX_LENGTH))
        field.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


def code_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=kwargs.pop("label", "Code"),
        max_length=20,
        help_text=kwargs.pop(
            "help_text",
            "The 6-digit code your authenticator app shows now, or one of your backup codes.",
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}
        ),
        **kwargs,
    )


class SecondFactorForm(forms.Form):
    """The code step of sign-in, and the code that proves a change to two-step sign-in."""

    code = code_field()


class SetupCodeForm(forms.Form):
    code = code_field(
        label="Code from your authenticator app",
        help_text="After adding the account to the app, type the 6-digit code it shows.",
    )


class AdminSignInForm(WagtailLoginForm):
    """Wagtail's admin sign-in, which also asks for the code of people with two-step sign-in.

    WAGTAILADMIN_USER_LOGIN_FORM points here; Wagtail shows the extra field below the password.
    A wrong or missing code gets one message whether or not the person has two-step sign-in on,
    but only once the password is right (the password check comes first)."""

    otp_code = code_field(
        label="Code (only if you set up two-step sign-in)",
        required=False,
    )
    error_messages = {
        **WagtailLoginForm.error_messages,
        "invalid_login": SIGN_IN_REFUSED,
        "inactive": SIGN_IN_REFUSED,
    }

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and two_factor_enabled(user=user):
            device = second_factor_check(user=user, code=cleaned.get("otp_code") or "")
            if device is None:
                raise forms.ValidationError(CODE_REFUSED, code="code_refused")
            # django_otp's user_logged_in receiver marks the new session verified with it.
            user.otp_device = device
        return cleaned

    def get_invalid_login_error(self):
        return forms.ValidationError(SIGN_IN_REFUSED, code="invalid_login")


def endorsement_goal_choices() -> list:
    """Endorsement categories grouped by program, for a <select> with <optgroup>s."""
    groups: dict[str, list] = {}
    for category in EndorsementCategory.objects.select_related("program"):
        program = category.program
        label = f"{program.name} ({program.code})" if program.name else program.code
        groups.setdefault(label, []).append((str(category.pk), str(category)))
    return [("", "No goal yet")] + list(groups.items())


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=DISPLAY_NAME_MAX_LENGTH,
        required=False,
        help_text="How other members see you. Leave empty to use your name.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    sector = forms.ChoiceField(
        label="Sector",
        choices=[("", "Choose your sector")] + list(Sector.choices),
        required=False,
        error_messages={"invalid_choice": "Choose a sector from the list."},
    )
    county = forms.ChoiceField(
        label="County where you work",
        choices=[("", "Choose your county")] + COUNTY_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": (
                "Choose a Pennsylvania county from the list, or “Outside Pennsylvania”."
            )
        },
    )
    goal_category = forms.ChoiceField(
        label="Endorsement goal",
        required=False,
        help_text="The endorsement category you are working toward. Optional.",
        error_messages={"invalid_choice": "Choose an endorsement category from the list."},
    )
    goal_is_renewal = forms.BooleanField(
        label="I am renewing an endorsement I already hold",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal_category"].choices = endorsement_goal_choices()

    @classmethod
    def for_user(cls, user, data=None):
        initial = {
            "display_name": user.display_name,
            "sector": user.sector,
            "county": user.county,
            "goal_category": str(user.goal_category_id or ""),
            "goal_is_renewal": user.goal_is_renewal,
        }
        return cls(data=data, initial=initial)

    def clean_goal_category(self):
        value = self.cleaned_data["goal_category"]
        if not value:
            return None
        # The choice check already passed; the row may still have gone since the page loaded.
        category = EndorsementCategory.objects.filter(pk=value).first()
        if category is None:
            raise forms.ValidationError("Choose an endorsement category from the list.")
        return category
