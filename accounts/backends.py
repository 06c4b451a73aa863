"""Sign in with a username or an email address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def user_for_sign_in(identifier: str):
    """The account a typed username or email address names, or None. Case does not matter.

    An address is tried as an email first, then as a username, because usernames may contain "@".
    """
    User = get_user_model()
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    manager = User._default_manager
    if "@" in identifier:
        user = manager.filter(email__iexact=identifier).first()
        if user is not None:
            return user
    return manager.filter(username__iexact=identifier).first()


def axes_username(request, credentials=None) -> str:
    """The key django-axes counts failures under (settings.AXES_USERNAME_CALLABLE).

    Every spelling of one account (its username in any case, its email address) maps to the same
    key, so switching spellings buys no extra attempts, and a password reset can clear exactly
    that account's lockout (services.signin_lockout_clear).
    """
    if credentials:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "data", request.POST).get("username")
    typed = (typed or "").strip() if isinstance(typed, str) else ""
    user = user_for_sign_in(typed)
    return lockout_key(user.username) if user is not None else lockout_key(typed)


def lockout_key(username: str) -> str:
    return username.strip().lower()


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        user = user_for_sign_in(username)
        if user is None:
            # Hash anyway, so an unknown name takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
