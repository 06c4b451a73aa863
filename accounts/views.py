"""Sign-in (with its code step), password reset, profile, sessions and two-step sign-in pages:
transport only."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import two_factor
from accounts.errors import DomainError
from accounts.forms import ProfileForm, SecondFactorForm, SetupCodeForm, SignInForm
from accounts.services import profile_update, sessions_end_others, signin_lockout_clear

# The session key holding a sign-in that passed the password and waits for the code.
PENDING_SIGN_IN = "accounts_pending_sign_in"
# Wrong codes allowed in one pending sign-in before the password must be typed again (on top
# of django-otp's own growing delay per device).
PENDING_SIGN_IN_ATTEMPTS = 5


class SignInView(auth_views.LoginView):
    form_class = SignInForm

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.two_factor_enabled(user=user):
            return super().form_valid(form)
        # Not signed in yet: the session only remembers who passed the password, for a while.
        self.request.session[PENDING_SIGN_IN] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
            "failures": 0,
        }
        return redirect("login-code")


def _pending_sign_in(request):
    pending = request.session.get(PENDING_SIGN_IN)
    if not isinstance(pending, dict):
        return None, None
    if time.time() - pending.get("at", 0) > settings.SIGNIN_SECOND_STEP_SECONDS:
        del request.session[PENDING_SIGN_IN]
        return None, None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    return pending, user


def sign_in_code(request):
    """The second step of sign-in for people with two-step sign-in on."""
    pending, user = _pending_sign_in(request)
    if user is None:
        messages.info(request, "Sign in with your username and password first.")
        return redirect("login")
    form = SecondFactorForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.second_factor_check(user=user, code=form.cleaned_data["code"])
        if device is not None:
            del request.session[PENDING_SIGN_IN]
            user.backend = pending["backend"]
            user.otp_device = device  # django_otp marks the new session verified with it
            login(request, user)  # rotates the session key
            return redirect(pending["next"])
        pending["failures"] = pending.get("failures", 0) + 1
        if pending["failures"] >= PENDING_SIGN_IN_ATTEMPTS:
            del request.session[PENDING_SIGN_IN]
            messages.error(request, "Too many wrong codes. Sign in again to get new tries.")
            return redirect("login")
        request.session[PENDING_SIGN_IN] = pending
        form.add_error("code", two_factor.second_factor_refusal(user=user))
    status = 400 if form.errors else 200
    return render(request, "registration/login_code.html", {"form": form}, status=status)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # The lockout page offers a reset as the way back in, so a reset must end the lockout.
        signin_lockout_clear(user=form.user)
        return response


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm.for_user(user, data=request.POST)
        if form.is_valid():
            try:
                profile_update(user=user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("profile")
    else:
        form = ProfileForm.for_user(user)
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "two_factor_enabled": two_factor.two_factor_enabled(user=user),
        "backup_codes_left": two_factor.backup_codes_left(user=user),
    }
    return render(request, "accounts/profile.html", context, status=status)


@require_POST
@login_required
def sessions_end(request):
    """Sign out everywhere else: every other browser and device, and their room sockets."""
    ended = sessions_end_others(user=request.user, keep_session_key=request.session.session_key)
    # This session carries the old hash; refresh it (and rotate its key) to stay signed in here.
    update_session_auth_hash(request, request.user)
    messages.success(
        request,
        "You are signed out everywhere else."
        + (f" {ended} other session{'s' if ended != 1 else ''} ended." if ended else ""),
    )
    return redirect("profile")


@never_cache  # the page shows the secret, and then the backup codes
@login_required
def two_factor_setup(request):
    """Turn on two-step sign-in: scan or type the secret, then confirm with a first code."""
    user = request.user
    try:
        device = two_factor.two_factor_setup_begin(user=user)
    except DomainError as error:
        messages.info(request, error.message)
        return redirect("profile")
    form = SetupCodeForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.two_factor_setup_confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            # This session proved the code: it counts as verified (the admin asks for that).
            confirmed = two_factor.second_factor_device(user=user)
            if confirmed is not None:
                otp_login(request, confirmed)
            return render(
                request,
                "accounts/two_factor_backup_codes.html",
                {"codes": codes, "just_enabled": True},
            )
    context = {
        "form": form,
        "secret": two_factor.setup_secret(device=device),
        "qr_svg": two_factor.setup_qr_svg(device=device),
    }
    return render(
        request,
        "accounts/two_factor_setup.html",
        context,
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def two_factor_manage(request, action: str):
    """Turn two-step sign-in off, or replace the backup codes; either needs a current code."""
    user = request.user
    if not two_factor.two_factor_enabled(user=user):
        messages.info(request, "Two-step sign-in is off.")
        return redirect("profile")
    form = SecondFactorForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if action == "disable":
                two_factor.two_factor_disable(user=user, code=code)
            else:
                codes = two_factor.backup_codes_renew(user=user, code=code)
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            if action == "disable":
                messages.success(request, "Two-step sign-in is off.")
                return redirect("profile")
            return render(request, "accounts/two_factor_backup_codes.html", {"codes": codes})
    return render(
        request,
        "accounts/two_factor_manage.html",
        {"form": form, "action": action},
        status=400 if form.errors else 200,
    )
