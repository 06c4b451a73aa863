"""Writes on accounts: registering a person, editing a profile, clearing a sign-in lockout,
ending a person's other sessions."""

import unicodedata
from importlib import import_module

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.audit import audit_record
from accounts.backends import lockout_key
from accounts.counties import COUNTY_VALUES
from accounts.errors import DomainError
from accounts.models import Sector
from accounts.signals import sessions_ended
from accounts.signin_limits import signin_account_failures_clear
from competencies.models import EndorsementCategory

DISPLAY_NAME_MAX_LENGTH = 80

# Characters that can make a name look like something else: bidirectional embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069), zero-width spaces, joiners and direction marks
# (U+200B-U+200F), and their close kin (Arabic letter mark, word joiner, byte order mark).
_INVISIBLE_CODEPOINTS = frozenset(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    + [0x061C, 0x2060, 0xFEFF]
)
# Control characters, and the line and paragraph separators that act like them.
_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def user_register(*, username: str, email: str, password: str, display_name: str = ""):
    """Create a member account after checking the name, the address and the password.

    Raises DomainError (with the offending field) and creates nothing when any check fails.
    """
    User = get_user_model()
    username = (username or "").strip()
    email = (email or "").strip()
    if not username:
        raise DomainError("Choose a username.", field="username")
    try:
        User.username_validator(username)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="username") from error
    if len(username) > 150:
        raise DomainError("Usernames are at most 150 characters.", field="username")
    try:
        validate_email(email)
    except ValidationError as error:
        raise DomainError("Enter a valid email address.", field="email") from error
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("That username is taken. Try another.", field="username")
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(
            "An account already uses this email address. Sign in instead.", field="email"
        )
    candidate = User(username=username, email=email, display_name=display_name_clean(display_name))
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from error
    with transaction.atomic():
        candidate.set_password(password)
        candidate.save()
    return candidate


def display_name_clean(value: str) -> str:
    """The display name as stored: NFC-normalised and stripped; raises DomainError if unfit."""
    name = unicodedata.normalize("NFC", value or "").strip()
    for character in name:
        if (
            unicodedata.category(character) in _CONTROL_CATEGORIES
            or ord(character) in _INVISIBLE_CODEPOINTS
        ):
            raise DomainError(
                "Display names cannot contain control characters or invisible formatting "
                "characters (such as text-direction overrides or zero-width spaces). "
                "Type the name again without them.",
                field="display_name",
            )
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        raise DomainError(
            f"Display names are at most {DISPLAY_NAME_MAX_LENGTH} characters "
            f"(this one has {len(name)}).",
            field="display_name",
        )
    return name


def profile_update(
    *,
    user,
    display_name: str,
    sector: str,
    county: str,
    goal_category: EndorsementCategory | None,
    goal_is_renewal: bool,
):
    """Change a member's professional profile.

    Every value is checked before anything is assigned, so a DomainError (naming the offending
    field) leaves both the database row and the `user` object as they were.
    """
    name = display_name_clean(display_name)
    sector = (sector or "").strip()
    if sector and sector not in Sector.values:
        raise DomainError("Choose a sector from the list.", field="sector")
    county = (county or "").strip()
    if county and county not in COUNTY_VALUES:
        raise DomainError(
            "Choose a Pennsylvania county from the list, or “Outside Pennsylvania”.",
            field="county",
        )
    if goal_category is not None and (
        not isinstance(goal_category, EndorsementCategory)
        or goal_category.pk is None
        or not EndorsementCategory.objects.filter(pk=goal_category.pk).exists()
    ):
        raise DomainError("Choose an endorsement category from the list.", field="goal_category")
    goal_is_renewal = bool(goal_is_renewal)
    if goal_is_renewal and goal_category is None:
        raise DomainError(
            "Choose the endorsement you are renewing, or untick “renewing”.",
            field="goal_is_renewal",
        )
    with transaction.atomic():
        user.display_name = name
        user.sector = sector
        user.county = county
        user.goal_category = goal_category
        user.goal_is_renewal = goal_is_renewal
        user.save(
            update_fields=["display_name", "sector", "county", "goal_category", "goal_is_renewal"]
        )
    return user


def signin_lockout_clear(*, user) -> int:
    """Forget the failed sign-ins counted against this account (after a password reset).

    django-axes counts failures under one key per account (backends.axes_username), so this
    clears the lockout however the person typed their name. Returns how many records went.
    """
    signin_account_failures_clear(username=user.username)
    return axes_reset(username=lockout_key(user.username))


# Session engines that keep a row per session in the database, where a person's sessions can
# be found and deleted (the room hub's periodic re-check closes sockets whose row is gone).
_DATABASE_SESSION_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def sessions_end_others(*, user, keep_session_key: str | None) -> int:
    """Sign `user` out of every session but the one with `keep_session_key`.

    Two steps, so it holds with any session engine and for open WebSockets:
    - the user's session generation goes up, which changes the hash every session carries
      (User.get_session_auth_hash): Django drops each other session at its next request, and
      Channels refuses it at its next connect;
    - with a database session store, the other sessions' rows are deleted too, so the room
      hub's re-check (every ROOM_ACCESS_RECHECK_SECONDS) closes their open room sockets.
    The caller must then refresh the kept session's hash (update_session_auth_hash).
    Returns how many stored sessions were deleted.
    """
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(
            session_generation=F("session_generation") + 1
        )
        user.refresh_from_db(fields=["session_generation"])
        ended = _stored_sessions_delete(user=user, keep_session_key=keep_session_key)
        audit_record(actor=user, action="sessions.end_others", target=user, detail={"ended": ended})
        user_id = user.pk
        transaction.on_commit(lambda: sessions_ended.send(sender=type(user), user_id=user_id))
    return ended


def _stored_sessions_delete(*, user, keep_session_key: str | None) -> int:
    if settings.SESSION_ENGINE not in _DATABASE_SESSION_ENGINES:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    # Session data is encoded, so the rows are read to find the user's; a one-off scan of the
    # unexpired sessions, fine for a community of thousands.
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now()).exclude(
        session_key=keep_session_key or ""
    )
    for row in live.iterator():
        if str(row.get_decoded().get(SESSION_KEY)) == str(user.pk):
            store(session_key=row.session_key).delete()
            ended += 1
    return ended
