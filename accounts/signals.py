"""Sign-in signals: the failure counters' receivers, and `sessions_ended` for other apps."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import Signal, receiver

from accounts.signin_limits import signin_account_failures_clear, signin_failure_count

# Sent (after commit) when a person's other sessions were ended ("sign out everywhere else"),
# with user_id=<int>. Apps holding long-lived connections listen, to close them at once rather
# than at their next periodic check.
sessions_ended = Signal()


@receiver(user_login_failed, dispatch_uid="accounts-signin-failure-count")
def _count_failure(sender, credentials, request=None, **kwargs):
    if request is not None:
        signin_failure_count(request, credentials)


@receiver(user_logged_in, dispatch_uid="accounts-signin-success")
def _after_sign_in(sender, request, user, **kwargs):
    # A success clears the account's own count (never the address's: see signin_limits).
    # The second factor joins the session through django_otp's own receiver (user.otp_device).
    signin_account_failures_clear(username=user.get_username())
