"""Sign-in limits beyond django-axes: failures per address and per account, counted in the cache.

django-axes locks the pair (account, address) after AXES_FAILURE_LIMIT failures. That leaves two
attacks open, which these counters close:
- one address trying a few passwords on many accounts (password spraying): per address;
- many addresses trying one account (a botnet): per account.
Each counter is a fixed window of SIGNIN_FAILURE_WINDOW_SECONDS starting at the first failure.
The cache is shared by every server process when REDIS_URL is set; the local-memory default
counts per process, which is what a single-process deployment has.
"""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from accounts.backends import axes_username, lockout_key

ADDRESS = "address"
ACCOUNT = "account"
_PREFIX = "signin-failures"


def _keys(request, credentials: dict | None) -> dict[str, str]:
    keys = {}
    address = get_client_ip_address(request) if request is not None else None
    if address:
        keys[ADDRESS] = f"{_PREFIX}:{ADDRESS}:{address}"
    account = axes_username(request, credentials) if request is not None else ""
    if account:
        keys[ACCOUNT] = f"{_PREFIX}:{ACCOUNT}:{account}"
    return keys


def _limits() -> dict[str, int]:
    return {
        ADDRESS: settings.SIGNIN_ADDRESS_FAILURE_LIMIT,
        ACCOUNT: settings.SIGNIN_ACCOUNT_FAILURE_LIMIT,
    }


def signin_limit_reached(request, credentials: dict | None) -> str | None:
    """Which limit (ADDRESS or ACCOUNT) this attempt is over, or None when it may proceed."""
    keys = _keys(request, credentials)
    counts = cache.get_many(list(keys.values()))
    limits = _limits()
    for kind in (ADDRESS, ACCOUNT):
        key = keys.get(kind)
        if key and counts.get(key, 0) >= limits[kind]:
            return kind
    return None


def signin_failure_count(request, credentials: dict | None) -> None:
    """Count one failed sign-in against the address and the account it named."""
    window = settings.SIGNIN_FAILURE_WINDOW_SECONDS
    for key in _keys(request, credentials).values():
        # add() starts the window only if none is running; incr() keeps its expiry.
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:
            # Expired between the two calls: start again.
            cache.set(key, 1, timeout=window)


def signin_account_failures_clear(*, username: str) -> None:
    """Forget the failures counted against one account (a success, or a password reset).

    The address counter stays: an attacker signing in to their own account must not wipe the
    failures they caused on others."""
    cache.delete(f"{_PREFIX}:{ACCOUNT}:{lockout_key(username)}")


class SignInRateBackend:
    """An authentication backend that only refuses: listed right after django-axes' backend.

    Over a limit, it marks the request as locked out the way django-axes does, so AxesMiddleware
    answers with the same lockout page (429), and stops the backend chain before any password
    is checked. Django then sends user_login_failed, which signals.py counts.
    """

    def authenticate(self, request, **credentials):
        if request is None:
            return None
        kind = signin_limit_reached(request, credentials)
        if kind is not None:
            request.axes_locked_out = True
            request.signin_limit = kind
            raise PermissionDenied
        # No get_user(): it never signs anyone in (and force_login picks the first backend
        # that has one).
        return None
