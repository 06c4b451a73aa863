"""Security middleware: the Content-Security-Policy per area, and the admin's second factor."""

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import DisallowedHost
from django_otp import user_has_device


def _is_admin_path(path: str) -> bool:
    return path.startswith(tuple(settings.CSP_ADMIN_PATH_PREFIXES))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with two additions.

    - Under /admin/ the policy is CONTENT_SECURITY_POLICY_ADMIN (Wagtail needs inline code).
    - connect-src names the page's own ws:/wss: origin. CSP Level 3 lets 'self' match the
      WebSocket schemes of the same host, but browsers that predate it (Safari before 15.4)
      would block the room socket, so the explicit source costs nothing and removes the doubt.
    """

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        if parts.config is None and _is_admin_path(request.path_info):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        try:
            host = request.get_host()
        except DisallowedHost:
            # The 400 page for a forged Host header: no socket to allow.
            return parts
        scheme = "wss" if request.is_secure() else "ws"
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), f"{scheme}://{host}"]
        parts.update = update
        return parts


class AdminSecondFactorMiddleware:
    """Under /admin/, a person who set up two-step sign-in must have passed it this session.

    Both sign-in forms ask for the code, so this only catches sessions begun before the person
    enrolled (or any other path around the forms): they sign in again, with the code.
    Runs after django_otp's OTPMiddleware, which gives request.user.is_verified().
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            _is_admin_path(request.path_info)
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and user_has_device(user, confirmed=True)
        ):
            logout(request)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
