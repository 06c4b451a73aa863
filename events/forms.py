"""Forms of the session pages: they parse input; the services decide."""

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from accounts.models import User
from collaboratives.forms import AccessibleForm
from collaboratives.models import Cohort
from competencies.models import Competency
from events.models import (
    DEFAULT_TIMEZONE,
    Attendance,
    Kind,
    ReminderPreference,
    Session,
    Visibility,
    validate_timezone,
)
from events.services import SCOPE_ALL, SCOPE_FOLLOWING, SCOPE_ONE, SessionFields

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
MATERIALS_MAX = 20


class LocalDateTimeField(forms.CharField):
    """A date and time on the wall clock of the session's zone (no zone of its own)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        for pattern in LOCAL_FORMATS:
            try:
                return dt.datetime.strptime(value, pattern)
            except ValueError:
                continue
        raise forms.ValidationError(
            "Enter a date and time such as 2026-12-08T12:00.", code="invalid"
        )


def _local_input(moment: dt.datetime, zone: str) -> str:
    return timezone.localtime(moment, ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SessionForm(AccessibleForm):
    title = forms.CharField(label="Title", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=Kind.choices, initial=Kind.LEARNING_SESSION)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    start = LocalDateTimeField(
        label="Starts", help_text="Local date and time in the session's time zone."
    )
    end = LocalDateTimeField(label="Ends", help_text="Local date and time in the same zone.")
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        initial=DEFAULT_TIMEZONE,
        help_text="An IANA time zone name, e.g. America/New_York or America/Chicago.",
    )
    cohort = forms.ModelChoiceField(
        label="Cohort",
        queryset=Cohort.objects.none(),
        required=False,
        empty_label="The whole collaborative",
    )
    visibility = forms.ChoiceField(
        label="Who may see it", choices=Visibility.choices, initial=Visibility.COLLABORATIVE
    )
    location = forms.CharField(
        label="Location",
        max_length=255,
        required=False,
        help_text="Shown only to people who may attend.",
    )
    video_url = forms.URLField(
        label="Video link",
        required=False,
        assume_scheme="https",
        help_text="Shown only to people who may attend.",
    )
    capacity = forms.IntegerField(
        label="Capacity",
        required=False,
        min_value=1,
        max_value=10_000,
        help_text="Leave empty for no limit. When full, members join a waitlist.",
    )
    competencies = forms.ModelMultipleChoiceField(
        label="Competencies addressed",
        queryset=Competency.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    facilitators = PersonChoiceField(
        label="Facilitators",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    presenters = PersonChoiceField(
        label="Presenters",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    materials = forms.CharField(
        label="Materials",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "One link a line: a title, a vertical bar, then the address "
            "(e.g. Reading list | /resources/reading-list/)."
        ),
    )

    def __init__(self, *args, collaborative, **kwargs):
        super().__init__(*args, **kwargs)
        self.collaborative = collaborative
        self.fields["cohort"].queryset = collaborative.cohorts.all()
        people = (
            User.objects.filter(
                memberships__cohort__collaborative=collaborative,
                memberships__left_at__isnull=True,
                is_active=True,
            )
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["facilitators"].queryset = people
        self.fields["presenters"].queryset = people
        self._describe_fields()

    def clean_timezone(self):
        value = self.cleaned_data["timezone"].strip()
        try:
            validate_timezone(value)
        except forms.ValidationError as error:
            raise forms.ValidationError(
                f"{value!r} is not a known time zone. Use an IANA name such as America/New_York."
            ) from error
        return value

    def clean_materials(self):
        materials = []
        for number, line in enumerate(self.cleaned_data["materials"].splitlines(), start=1):
            if not line.strip():
                continue
            title, sep, url = line.rpartition("|")
            title, url = title.strip(), url.strip()
            if not sep or not title or not url:
                raise forms.ValidationError(
                    f"Line {number}: write a title, a vertical bar, then the address."
                )
            parts = urlsplit(url)
            if not (parts.scheme in {"http", "https"} and parts.netloc) and not (
                url.startswith("/") and not url.startswith("//")
            ):
                raise forms.ValidationError(
                    f"Line {number}: the address must start with https://, http:// or /."
                )
            materials.append({"title": title[:200], "url": url[:500]})
        if len(materials) > MATERIALS_MAX:
            raise forms.ValidationError(f"At most {MATERIALS_MAX} materials.")
        return materials

    def clean(self):
        cleaned = super().clean()
        zone = cleaned.get("timezone")
        for name, target in (("start", "starts_at"), ("end", "ends_at")):
            local = cleaned.get(name)
            if zone and local:
                aware = local.replace(tzinfo=ZoneInfo(zone))
                # A wall-clock time skipped when clocks spring forward names no instant.
                if aware.astimezone(dt.UTC).astimezone(ZoneInfo(zone)).replace(
                    tzinfo=None
                ) != local.replace(tzinfo=None):
                    self.add_error(
                        name, f"{local:%H:%M} does not exist on that day in {zone} (clocks change)."
                    )
                    continue
                cleaned[target] = aware
        return cleaned

    def to_fields(self) -> SessionFields:
        data = self.cleaned_data
        return SessionFields(
            title=data["title"],
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            timezone=data["timezone"],
            description=data["description"],
            cohort=data["cohort"],
            visibility=data["visibility"],
            location=data["location"],
            video_url=data["video_url"],
            capacity=data["capacity"],
            competencies=list(data["competencies"]),
            facilitators=list(data["facilitators"]),
            presenters=list(data["presenters"]),
            materials=data["materials"],
        )

    @staticmethod
    def initial_for(session: Session) -> dict:
        return {
            "title": session.title,
            "kind": session.kind,
            "description": session.description,
            "start": _local_input(session.starts_at, session.timezone),
            "end": _local_input(session.ends_at, session.timezone),
            "timezone": session.timezone,
            "cohort": session.cohort_id,
            "visibility": session.visibility,
            "location": session.location,
            "video_url": session.video_url,
            "capacity": session.capacity,
            "competencies": list(session.competencies.all()),
            "facilitators": list(session.facilitators.all()),
            "presenters": list(session.presenters.all()),
            "materials": "\n".join(f"{m['title']} | {m['url']}" for m in session.materials),
        }


class SeriesForm(SessionForm):
    rrule = forms.CharField(
        label="Repeats (RFC 5545 rule)",
        max_length=200,
        initial="FREQ=MONTHLY;BYDAY=2TU",
        help_text=(
            "FREQ=WEEKLY (every week), FREQ=WEEKLY;INTERVAL=2 (every other week), "
            "FREQ=MONTHLY;BYDAY=2TU (the second Tuesday). Daily at most."
        ),
    )
    count = forms.IntegerField(
        label="Number of sessions",
        required=False,
        min_value=1,
        max_value=200,
        help_text="Give this or an end date.",
    )
    until = forms.DateField(
        label="Last date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="No session after this date (inclusive).",
    )


class SessionEditForm(SessionForm):
    scope = forms.ChoiceField(
        label="Change",
        choices=[
            (SCOPE_ONE, "Only this session"),
            (SCOPE_FOLLOWING, "This and the following sessions"),
            (SCOPE_ALL, "All sessions of the series that are not over"),
        ],
        initial=SCOPE_ONE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, collaborative=session.collaborative, **kwargs)
        if not session.series_id:
            del self.fields["scope"]


class CancelForm(AccessibleForm):
    note = forms.CharField(
        label="Note to people who RSVP'd (optional)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RsvpForm(forms.Form):
    going = forms.ChoiceField(choices=[("yes", "Going"), ("no", "Not going")])
    series = forms.BooleanField(required=False)


class MessageForm(AccessibleForm):
    audience = forms.ChoiceField(
        label="Send to",
        choices=[("rsvp", "Everyone who RSVP'd"), ("attendees", "Everyone who attended")],
        widget=forms.RadioSelect,
        initial="rsvp",
    )
    subject = forms.CharField(label="Subject", max_length=150)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 6}))


class ExportForm(AccessibleForm):
    series = forms.ModelChoiceField(
        label="Series", queryset=None, required=False, empty_label="All sessions"
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, collaborative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = collaborative.series.order_by("title")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date comes before the start date.")
        return cleaned


class ReminderForm(AccessibleForm):
    choice = forms.ChoiceField(
        label="Email me before sessions I'm going to",
        choices=ReminderPreference.Choice.choices,
        widget=forms.RadioSelect,
    )


class FilterForm(forms.Form):
    collaborative = forms.CharField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Kind.choices])
    competency = forms.CharField(required=False)


ATTENDANCE_STATUSES = Attendance.Status.choices
