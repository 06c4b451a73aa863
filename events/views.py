"""Session pages: transport only; reads go through selectors, writes through services."""

import calendar
import csv
import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.errors import DomainError
from accounts.spreadsheets import spreadsheet_cell
from collaboratives.models import Collaborative
from competencies.selectors import competencies_by_name
from events import selectors, services
from events.forms import (
    ATTENDANCE_STATUSES,
    CancelForm,
    ExportForm,
    FilterForm,
    MessageForm,
    ReminderForm,
    RsvpForm,
    SeriesForm,
    SessionEditForm,
    SessionForm,
)
from events.models import DEFAULT_TIMEZONE, Attendance, Kind, Rsvp

# Cells a spreadsheet would run as a formula start with these; a leading apostrophe stops it.
WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def session_list(request):
    filters = FilterForm(request.GET or None)
    # Every filter present, "" when not chosen: a missing key costs the template an exception
    # per option it compares (Django's variable lookup tries dict, attribute, then index).
    values = dict.fromkeys(FilterForm.base_fields, "")
    if filters.is_valid():
        values |= filters.cleaned_data
    sessions = selectors.sessions_upcoming_for(
        user=request.user,
        collaborative=values.get("collaborative", ""),
        kind=values.get("kind", ""),
        competency=values.get("competency", ""),
    )
    visible = selectors.sessions_visible_to(user=request.user)
    return render(
        request,
        "events/session_list.html",
        {
            "sessions": sessions,
            "filters": values,
            "kinds": Kind.choices,
            "collaboratives": Collaborative.objects.filter(
                pk__in=visible.values("collaborative_id")
            ).order_by("name"),
            "competencies": competencies_by_name(),
            "managed": selectors.collaboratives_managed_by(user=request.user),
        },
    )


def _month_from(value: str) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in value.split("-"))
        if 1 <= month <= 12 and 1900 < year < 3000:
            return year, month
    except ValueError:
        pass
    today = timezone.localdate()
    return today.year, today.month


def session_month(request):
    year, month = _month_from(request.GET.get("month", ""))
    days: dict[dt.date, list] = {}
    for session in selectors.sessions_in_month(user=request.user, year=year, month=month):
        local = timezone.localtime(session.starts_at, ZoneInfo(session.timezone))
        days.setdefault(local.date(), []).append(session)
    weeks = []
    for week in calendar.Calendar(firstweekday=6).monthdatescalendar(year, month):
        weeks.append(
            [
                {"date": day, "in_month": day.month == month, "sessions": days.get(day, [])}
                for day in week
            ]
        )
    first = dt.date(year, month, 1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "events/month.html",
        {
            "weeks": weeks,
            "month": first,
            "previous": previous,
            "following": following,
            "weekdays": WEEKDAYS,
            "today": timezone.localdate(),
        },
    )


@login_required
def my_sessions(request):
    sessions = list(selectors.sessions_of_member(user=request.user))
    now = timezone.now()
    return render(
        request,
        "events/my_sessions.html",
        {
            "upcoming": [s for s in sessions if s.ends_at >= now],
            "past": [s for s in sessions if s.ends_at < now][::-1],
        },
    )


def session_detail(request, session_id: int):
    session = selectors.session_get_visible(user=request.user, session_id=session_id)
    user = request.user
    may_attend = user.has_perm("events.attend_session", session)
    may_change = user.has_perm("events.change_session", session)
    rsvp = None
    if user.is_authenticated:
        rsvp = Rsvp.objects.filter(session=session, user=user).first()
    attendance = None
    if user.is_authenticated and session.attendance_closed_at:
        attendance = Attendance.objects.filter(
            session=session,
            user=user,
            status__in=[Attendance.Status.PRESENT, Attendance.Status.PARTIAL],
        ).first()
    going = Rsvp.objects.filter(session=session, status=Rsvp.Status.GOING).count()
    waitlisted = Rsvp.objects.filter(session=session, status=Rsvp.Status.WAITLISTED).count()
    return render(
        request,
        "events/session_detail.html",
        {
            "session": session,
            "may_attend": may_attend,
            "may_change": may_change,
            "rsvp": rsvp,
            "going_count": going,
            "waitlisted_count": waitlisted,
            "seats_left": None if session.capacity is None else max(session.capacity - going, 0),
            "open": not session.cancelled_at and session.ends_at >= timezone.now(),
            "started": session.starts_at <= timezone.now(),
            "attendance": attendance,
            "competencies": session.competencies.order_by("name"),
            "facilitators": session.facilitators.all(),
            "presenters": session.presenters.all(),
        },
    )


@require_POST
@login_required
def session_rsvp(request, session_id: int):
    session = selectors.session_get_visible(user=request.user, session_id=session_id)
    form = RsvpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose going or not going.")
        return redirect(session)
    try:
        results = services.rsvp_set(
            user=request.user,
            session=session,
            going=form.cleaned_data["going"] == "yes",
            whole_series=form.cleaned_data["series"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(session)
    statuses = set(results.values())
    if len(results) > 1:
        messages.success(request, f"Your RSVP is saved for {len(results)} sessions of the series.")
    if statuses == {Rsvp.Status.WAITLISTED} and len(results) == 1:
        messages.warning(
            request,
            "The session is full: you are on the waitlist and will be told if a seat frees.",
        )
    elif len(results) == 1:
        status = statuses.pop()
        messages.success(
            request,
            "You're going. A confirmation email is on its way."
            if status == Rsvp.Status.GOING
            else "You're not going.",
        )
    return redirect(session)


def _schedule(request, collaborative_slug: str, *, series: bool):
    collaborative = selectors.collaborative_get_managed(user=request.user, slug=collaborative_slug)
    form_class = SeriesForm if series else SessionForm
    initial = {"timezone": DEFAULT_TIMEZONE}
    form = form_class(request.POST or None, collaborative=collaborative, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if series:
                made = services.series_schedule(
                    actor=request.user,
                    collaborative=collaborative,
                    fields=form.to_fields(),
                    rrule=form.cleaned_data["rrule"],
                    count=form.cleaned_data["count"],
                    until=form.cleaned_data["until"],
                )
                first = made.sessions.order_by("starts_at").first()
                messages.success(
                    request, f"Scheduled {made.sessions.count()} sessions of {made.title}."
                )
                return redirect(first)
            session = services.session_schedule(
                actor=request.user, collaborative=collaborative, fields=form.to_fields()
            )
            messages.success(request, f"Scheduled {session.title}.")
            return redirect(session)
        except DomainError as error:
            form.add_domain_error(error)
    return render(
        request,
        "events/session_form.html",
        {"form": form, "collaborative": collaborative, "series": series, "session": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request, collaborative_slug: str):
    return _schedule(request, collaborative_slug, series=False)


@login_required
@require_http_methods(["GET", "POST"])
def series_new(request, collaborative_slug: str):
    return _schedule(request, collaborative_slug, series=True)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, session_id: int):
    session = selectors.session_get_managed(user=request.user, session_id=session_id)
    form = SessionEditForm(
        request.POST or None, session=session, initial=SessionEditForm.initial_for(session)
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.session_update(
                actor=request.user,
                session=session,
                fields=form.to_fields(),
                scope=form.cleaned_data.get("scope", services.SCOPE_ONE),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            count = len(changed)
            messages.success(request, f"Saved {count} session{'s' if count != 1 else ''}.")
            return redirect(session)
    return render(
        request,
        "events/session_form.html",
        {
            "form": form,
            "collaborative": session.collaborative,
            "series": False,
            "session": session,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request, session_id: int):
    session = selectors.session_get_managed(user=request.user, session_id=session_id)
    form = CancelForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                actor=request.user, session=session, note=form.cleaned_data["note"]
            )
        except DomainError as problem:
            error = problem.message
        else:
            messages.success(request, "The session is cancelled; people who RSVP'd were told.")
            return redirect(session)
    return render(
        request,
        "events/session_cancel.html",
        {"form": form, "session": session, "error": error},
        status=400 if error else 200,
    )


def _attendance_entries(request, roster) -> tuple[list, list[str]]:
    entries, problems = [], []
    statuses = {value for value, _label in ATTENDANCE_STATUSES}
    for row in roster:
        user = row["user"]
        status = request.POST.get(f"status-{user.pk}", "")
        minutes_text = request.POST.get(f"minutes-{user.pk}", "").strip() or "0"
        if status not in statuses:
            problems.append(f"Choose present, partly present or absent for {user.name}.")
            continue
        if not minutes_text.isdigit():
            problems.append(f"Minutes for {user.name} must be a whole number.")
            continue
        entries.append(
            services.AttendanceEntry(user_id=user.pk, status=status, minutes=int(minutes_text))
        )
    return entries, problems


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request, session_id: int):
    session = selectors.session_get_managed(user=request.user, session_id=session_id)
    roster = selectors.attendance_roster(session=session)
    problems = []
    if request.method == "POST":
        entries, problems = _attendance_entries(request, roster)
        if not problems:
            close = "close" in request.POST
            try:
                services.attendance_save(
                    actor=request.user, session=session, entries=entries, close=close
                )
            except DomainError as error:
                problems.append(error.message)
            else:
                messages.success(
                    request,
                    "Attendance is closed; hours go to members' records."
                    if close or session.attendance_closed_at
                    else "Attendance saved (not closed yet).",
                )
                return redirect("events:attendance", session_id=session.pk)
        # Show what was submitted, so a correction does not start from scratch.
        for row in roster:
            pk = row["user"].pk
            row["status"] = request.POST.get(f"status-{pk}", row["status"])
            row["minutes"] = request.POST.get(f"minutes-{pk}", row["minutes"])
    return render(
        request,
        "events/attendance.html",
        {
            "session": session,
            "roster": roster,
            "statuses": ATTENDANCE_STATUSES,
            "problems": problems,
            "started": session.starts_at <= timezone.now(),
        },
        status=400 if problems else 200,
    )


@login_required
def session_certificate(request, session_id: int):
    session, attendance = selectors.attendance_certificate(user=request.user, session_id=session_id)
    return render(
        request,
        "events/certificate.html",
        {
            "session": session,
            "attendance": attendance,
            "hours": round(attendance.minutes / 60, 2),
            "competencies": session.competencies.order_by("name"),
            "facilitators": session.facilitators.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_message(request, session_id: int):
    session = selectors.session_get_managed(user=request.user, session_id=session_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.session_message_send(
                actor=request.user,
                session=session,
                audience=form.cleaned_data["audience"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Message sent to {count} people.")
            return redirect(session)
    return render(
        request,
        "events/message.html",
        {"form": form, "session": session},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def attendance_export(request, collaborative_slug: str):
    collaborative = selectors.collaborative_get_managed(user=request.user, slug=collaborative_slug)
    form = ExportForm(request.GET or None, collaborative=collaborative)
    if not request.GET or not form.is_valid():
        return render(
            request,
            "events/export.html",
            {"form": form, "collaborative": collaborative},
            status=400 if request.GET else 200,
        )
    series = form.cleaned_data["series"]
    rows = selectors.attendance_export_rows(
        collaborative=collaborative,
        series_id=series.pk if series else None,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{collaborative.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["session", "date", "start", "time zone", "kind", "member", "email", "status", "minutes"]
    )
    for row in rows:
        session = row.session
        local = timezone.localtime(session.starts_at, ZoneInfo(session.timezone))
        writer.writerow(
            [
                spreadsheet_cell(session.title),
                local.date().isoformat(),
                local.strftime("%H:%M"),
                session.timezone,
                session.kind,
                spreadsheet_cell(row.user.name),
                spreadsheet_cell(row.user.email),
                row.status,
                row.minutes,
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def reminder_preferences(request):
    current = selectors.reminder_choice_of(user=request.user)
    form = ReminderForm(request.POST or None, initial={"choice": current})
    if request.method == "POST" and form.is_valid():
        services.reminder_preference_set(user=request.user, choice=form.cleaned_data["choice"])
        messages.success(request, "Your reminder choice is saved.")
        return redirect("events:reminders")
    return render(
        request,
        "events/reminders.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
