"""Collaborative, cohort, room and invitation pages and the rooms API: transport only.

Reads go through selectors (which answer 404 for missing and forbidden alike), writes through
services; domain errors become messages on the page.
"""

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.errors import AccessDenied, DomainError
from collaboratives import room_selectors, selectors, services
from collaboratives.forms import InvitationForm, InvitationSignupForm, RoleForm
from collaboratives.models import Role
from collaboratives.room_payloads import message_payload

# A new member is signed in right after sign-up; their password was just checked.
LOGIN_BACKEND = "accounts.backends.UsernameOrEmailBackend"

# Unknown links are "not found"; links that existed but no longer work are "gone".
INVITATION_STATUS = {"not_found": 404, "used": 410, "revoked": 410, "expired": 410}
# How many of the newest messages the room page renders before its socket opens.
ROOM_PAGE_MESSAGES = 50


@login_required
@require_GET
def my_collaboratives(request):
    memberships = list(selectors.memberships_active_for(user=request.user))
    collaboratives = [
        (collaborative, list(group))
        for collaborative, group in groupby(memberships, key=lambda m: m.cohort.collaborative)
    ]
    return render(
        request,
        "collaboratives/my_collaboratives.html",
        {"memberships": memberships, "collaboratives": collaboratives},
    )


@login_required
@require_GET
def cohort_detail(request, collaborative_slug: str, cohort_slug: str):
    cohort = selectors.cohort_for_viewer(
        user=request.user, collaborative_slug=collaborative_slug, cohort_slug=cohort_slug
    )
    memberships = list(selectors.cohort_memberships(cohort=cohort))
    return render(
        request,
        "collaboratives/cohort_detail.html",
        {
            "cohort": cohort,
            "facilitators": [m for m in memberships if m.role == Role.FACILITATOR],
            "members": [m for m in memberships if m.role == Role.MEMBER],
            "rooms": list(cohort.rooms.all()),
            "can_manage": request.user.has_perm("collaboratives.manage_cohort", cohort),
        },
    )


def _manage_redirect(cohort):
    return redirect(
        "collaboratives:manage",
        collaborative_slug=cohort.collaborative.slug,
        cohort_slug=cohort.slug,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_manage(request, collaborative_slug: str, cohort_slug: str):
    cohort = selectors.cohort_for_manager(
        user=request.user, collaborative_slug=collaborative_slug, cohort_slug=cohort_slug
    )
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                cohort=cohort,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except AccessDenied as error:
            raise Http404("No such cohort.") from error
        except DomainError as error:
            form.add_domain_error(error)
        else:
            expires = timezone.localtime(invitation.expires_at)
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link works once and expires on "
                f"{expires:%B} {expires.day}.",
            )
            return _manage_redirect(cohort)
    return render(
        request,
        "collaboratives/cohort_manage.html",
        {
            "cohort": cohort,
            "form": form,
            "invitations": list(selectors.invitations_pending_for(cohort=cohort)),
            "memberships": list(selectors.cohort_memberships(cohort=cohort)),
            "roles": Role.choices,
        },
    )


@login_required
@require_POST
def invitation_revoke(request, collaborative_slug: str, cohort_slug: str, invitation_id: int):
    cohort = selectors.cohort_for_manager(
        user=request.user, collaborative_slug=collaborative_slug, cohort_slug=cohort_slug
    )
    invitation = selectors.invitations_pending_for(cohort=cohort).filter(pk=invitation_id).first()
    if invitation is None:
        messages.error(request, "That invitation is no longer pending.")
        return _manage_redirect(cohort)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
    return _manage_redirect(cohort)


def _membership_or_message(request, cohort, user_id: int):
    membership = selectors.cohort_memberships(cohort=cohort).filter(user_id=user_id).first()
    if membership is None:
        messages.error(request, "That person is not a member of this cohort.")
    return membership


def _after_membership_change(request, cohort):
    # A facilitator who just removed or demoted themselves may no longer manage the cohort.
    if request.user.has_perm("collaboratives.manage_cohort", cohort):
        return _manage_redirect(cohort)
    return redirect("collaboratives:list")


@login_required
@require_POST
def membership_remove(request, collaborative_slug: str, cohort_slug: str, user_id: int):
    cohort = selectors.cohort_for_manager(
        user=request.user, collaborative_slug=collaborative_slug, cohort_slug=cohort_slug
    )
    membership = _membership_or_message(request, cohort, user_id)
    if membership is None:
        return _manage_redirect(cohort)
    try:
        services.membership_remove(cohort=cohort, user=membership.user, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _manage_redirect(cohort)
    messages.success(request, f"{membership.user} is no longer in {cohort.name}.")
    return _after_membership_change(request, cohort)


@login_required
@require_POST
def membership_change_role(request, collaborative_slug: str, cohort_slug: str, user_id: int):
    cohort = selectors.cohort_for_manager(
        user=request.user, collaborative_slug=collaborative_slug, cohort_slug=cohort_slug
    )
    membership = _membership_or_message(request, cohort, user_id)
    if membership is None:
        return _manage_redirect(cohort)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose member or facilitator.")
        return _manage_redirect(cohort)
    try:
        changed = services.membership_change_role(
            cohort=cohort, user=membership.user, role=form.cleaned_data["role"], by=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _manage_redirect(cohort)
    messages.success(request, f"{changed.user} is now a {changed.get_role_display().lower()}.")
    return _after_membership_change(request, cohort)


def _invitation_unusable(request, error: DomainError):
    return render(
        request,
        "collaboratives/invitation_invalid.html",
        {"message": error.message},
        status=INVITATION_STATUS.get(error.code, 404),
    )


@never_cache  # the page is reached through a secret link: keep it out of every cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    try:
        invitation = selectors.invitation_for_token(token)
    except DomainError as error:
        return _invitation_unusable(request, error)
    signed_in = request.user.is_authenticated
    form = None if signed_in else InvitationSignupForm(request.POST or None)
    error_message = ""
    if request.method == "POST" and (signed_in or form.is_valid()):
        try:
            if signed_in:
                membership = services.invitation_accept(token=token, user=request.user)
            else:
                membership = services.invitation_accept(
                    token=token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    display_name=form.cleaned_data["display_name"],
                )
                login(request, membership.user, backend=LOGIN_BACKEND)
        except DomainError as error:
            if error.code in INVITATION_STATUS:
                # Used or withdrawn between the page load and the click (a second tab).
                return _invitation_unusable(request, error)
            if error.code == "already_member":
                messages.info(request, error.message)
                return redirect(invitation.cohort)
            if form is not None:
                form.add_domain_error(error)
            else:
                error_message = error.message
        else:
            messages.success(request, f"Welcome to {membership.cohort.name}. You are now a member.")
            return redirect(membership.cohort)
    return render(
        request,
        "collaboratives/invitation_accept.html",
        {"invitation": invitation, "form": form, "error_message": error_message},
    )


@never_cache  # per-user data (read marker, who is here), and the messages move on anyway
@login_required
@require_GET
def room_detail(request, room_id: int):
    """The live room. The newest messages are rendered here, so the page reads without script."""
    room = selectors.room_for_member(user=request.user, room_id=room_id)
    user = request.user
    messages_, has_earlier = room_selectors.messages_before(
        room=room, before=None, limit=ROOM_PAGE_MESSAGES
    )
    payloads = [message_payload(message) for message in messages_]
    last_read, unread, muted = room_selectors.reader_state_for(room=room, user=user)
    moderator = room_selectors.is_room_moderator(user=user, room=room)
    present = room_selectors.present_users(room=room)
    # The "New messages" divider goes above the first message the unread count counts.
    first_unread_id = next(
        (
            m.pk
            for m in messages_
            if m.pk > last_read and m.author_id != user.pk and m.deleted_at is None
        ),
        None,
    )
    if room.locked_at:
        cannot_post = "This room is locked: you can read, but not post."
    elif room.facilitators_only_post and not moderator:
        cannot_post = "Only facilitators post in this room."
    elif muted:
        cannot_post = "You are muted in this room for now."
    else:
        cannot_post = ""
    room_data = {
        "room": {
            "id": room.pk,
            "name": room.name,
            "ws_path": room.ws_path,
            "locked": bool(room.locked_at),
            "facilitators_only_post": room.facilitators_only_post,
        },
        "me": {"id": user.pk, "name": user.name, "moderator": moderator},
        "last_read": last_read,
        "unread": unread,
        "latest": room.last_message_id or 0,
        "limits": {
            "body": settings.ROOM_MESSAGE_MAX_LENGTH,
            "rate": [settings.ROOM_RATE_LIMIT_COUNT, settings.ROOM_RATE_LIMIT_SECONDS],
        },
        "cannot_post": cannot_post,
        "muted": muted,
        "has_earlier": has_earlier,
        "messages": payloads,
        "present": present,
        "mentionable": room_selectors.mentionable_in(room=room, user=user),
    }
    return render(
        request,
        "collaboratives/room.html",
        {
            "room": room,
            "rows": list(zip(messages_, payloads, strict=True)),
            "has_earlier": has_earlier,
            "unread": unread,
            "first_unread_id": first_unread_id,
            "is_moderator": moderator,
            "cannot_post": cannot_post,
            "present": present,
            "room_data": room_data,
        },
    )


@never_cache  # per-user data
@require_GET
def rooms_api(request):
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Sign in to see your rooms."}, status=401)
    rooms = [
        {
            "id": room.pk,
            "name": room.name,
            "cohort": room.cohort.name,
            "url": room.get_absolute_url(),
            "ws_path": room.ws_path,
            "unread": room.unread,
        }
        for room in selectors.rooms_with_unread_for(user=request.user)
    ]
    return JsonResponse(rooms, safe=False)
