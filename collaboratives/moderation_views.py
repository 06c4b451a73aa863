"""Moderation pages of a cohort room: report a message, the review queue, mute and lock, edits.

Transport only: selectors find what a person may see (404 for missing and forbidden alike),
room_services decide and write (and keep the audit log), domain errors become messages.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_GET, require_http_methods

from accounts.errors import AccessDenied, DomainError
from collaboratives import moderation_selectors as selectors
from collaboratives import room_services
from collaboratives.forms import MUTE_LENGTHS, MuteForm, ReportForm, ReportResolveForm

MODERATE_ACTIONS = {"lock", "unlock", "mute", "unmute"}
MUTE_LABELS = dict(MUTE_LENGTHS)


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "M j, g:i A")


def _audit_sentence(entry) -> str:
    """What the actor did, in words; `entry.subject` is the person it was about, if any."""
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    subject = entry.subject.name if entry.subject else "a former member"
    if entry.action == "room.member.mute":
        minutes = detail.get("minutes")
        length = MUTE_LABELS.get(minutes, f"{minutes} minutes")
        reason = f" (reason: {detail['reason']})" if detail.get("reason") else ""
        return f"muted {subject} for {length}{reason}"
    sentences = {
        "room.member.unmute": f"unmuted {subject}",
        "room.lock": "locked the room",
        "room.unlock": "unlocked the room",
        "room.message.delete": f"deleted a message by {subject}",
        "room.message.report": "reported a message",
        "room.report.removed": "removed a reported message",
        "room.report.dismissed": "dismissed a report",
    }
    return sentences.get(entry.action, entry.action)


def _room_redirect(room):
    return redirect("collaboratives:room", room_id=room.pk)


@login_required
@require_http_methods(["GET", "POST"])
def message_report(request, room_id: int, message_id: int):
    room = selectors.room_for_member_or_404(user=request.user, room_id=room_id)
    message = selectors.message_in_room_or_404(room=room, message_id=message_id)
    if message.deleted_at:
        messages.info(request, "That message was already removed.")
        return _room_redirect(room)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room_services.message_report(
                room=room,
                reporter=request.user,
                message_id=message.pk,
                reason=form.cleaned_data["reason"],
            )
        except AccessDenied as error:
            raise Http404("No such room.") from error
        except DomainError as error:
            if error.code == "not_found":  # removed while the page was open
                messages.info(request, error.message)
                return _room_redirect(room)
            form.add_domain_error(error)
        else:
            messages.success(
                request, "Thank you. The facilitators will look at the message you reported."
            )
            return _room_redirect(room)
    return render(
        request,
        "collaboratives/moderation/report.html",
        {"room": room, "message": message, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def room_reports(request, room_id: int):
    room = selectors.room_for_moderator_or_404(user=request.user, room_id=room_id)
    if request.method == "POST":
        _resolve_report(request, room)
        return redirect("collaboratives:room-reports", room_id=room.pk)
    return render(
        request,
        "collaboratives/moderation/reports.html",
        {
            "room": room,
            "open_reports": selectors.reports_open_by_message(room=room),
            "handled_reports": selectors.reports_handled_recently(room=room),
        },
    )


def _resolve_report(request, room) -> None:
    form = ReportResolveForm(request.POST)
    if not form.is_valid():
        errors = form.errors.get("outcome") or form.errors.get("report")
        messages.error(request, errors[0])
        return
    report = selectors.report_open_in_room(room=room, report_id=form.cleaned_data["report"])
    if report is None:
        messages.error(request, "That report was already handled.")
        return
    try:
        room_services.report_resolve(
            report=report, by=request.user, outcome=form.cleaned_data["outcome"]
        )
    except AccessDenied as error:
        raise Http404("No such room.") from error
    except DomainError as error:
        messages.error(request, error.message)
        return
    author = report.message.author.name
    if form.cleaned_data["outcome"] == "removed":
        messages.success(request, f"The message by {author} was removed.")
    else:
        messages.success(request, f"The report about {author}'s message was dismissed.")


@login_required
@require_http_methods(["GET", "POST"])
def room_moderate(request, room_id: int):
    room = selectors.room_for_moderator_or_404(user=request.user, room_id=room_id)
    members = selectors.members_mutable(room=room)
    mute_form = MuteForm(members=members)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in MODERATE_ACTIONS:
            messages.error(request, "Choose lock, unlock, mute or unmute.")
            return redirect("collaboratives:room-moderate", room_id=room.pk)
        if action == "mute":
            mute_form = MuteForm(request.POST, members=members)
            if _mute(request, room, mute_form):
                return redirect("collaboratives:room-moderate", room_id=room.pk)
        else:
            if action == "unmute":
                _unmute(request, room)
            else:
                _lock(request, room, locked=action == "lock")
            return redirect("collaboratives:room-moderate", room_id=room.pk)
    audit_entries = selectors.audit_entries_for_room(room=room)
    for entry in audit_entries:
        entry.sentence = _audit_sentence(entry)
    return render(
        request,
        "collaboratives/moderation/moderate.html",
        {
            "room": room,
            "mute_form": mute_form,
            "has_members": bool(members),
            "mutes": selectors.mutes_active(room=room),
            "open_reports": selectors.reports_open_count(room=room),
            "audit_entries": audit_entries,
        },
        status=400 if mute_form.errors else 200,
    )


def _lock(request, room, *, locked: bool) -> None:
    try:
        room_services.room_lock_set(room=room, by=request.user, locked=locked)
    except AccessDenied as error:
        raise Http404("No such room.") from error
    if locked:
        messages.success(request, f"{room.name} is locked: members can read but not post.")
    else:
        messages.success(request, f"{room.name} is open again: members can post.")


def _mute(request, room, form: MuteForm) -> bool:
    """Mute from the form; False (with the errors on the form) when it was refused."""
    if not form.is_valid():
        return False
    member = selectors.member_in_room(room=room, user_id=form.cleaned_data["user"])
    if member is None:
        form.add_error("user", "That person is not in this room.")
        return False
    try:
        mute = room_services.room_member_mute(
            room=room,
            user=member,
            minutes=form.cleaned_data["minutes"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except AccessDenied as error:
        raise Http404("No such room.") from error
    except DomainError as error:
        form.add_domain_error(error)
        return False
    messages.success(request, f"{member.name} is muted in {room.name} until {_when(mute.until)}.")
    return True


def _unmute(request, room) -> None:
    user_id = request.POST.get("user", "")
    valid_id = user_id.isdigit() and len(user_id) < 19  # within a 64-bit key
    person = get_user_model().objects.filter(pk=int(user_id)).first() if valid_id else None
    if person is None:
        messages.error(request, "Choose the person to unmute.")
        return
    try:
        ended = room_services.room_member_unmute(room=room, user=person, by=request.user)
    except AccessDenied as error:
        raise Http404("No such room.") from error
    if ended:
        messages.success(request, f"{person.name} can post in {room.name} again.")
    else:
        messages.info(request, f"{person.name} was not muted in {room.name}.")


@login_required
@require_GET
def message_history(request, room_id: int, message_id: int):
    room = selectors.room_for_moderator_or_404(user=request.user, room_id=room_id)
    message = selectors.message_in_room_or_404(room=room, message_id=message_id)
    return render(
        request,
        "collaboratives/moderation/history.html",
        {"room": room, "message": message, "revisions": selectors.revisions_of(message=message)},
    )
