"""Sign-in, password reset and profile pages: transport only."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.errors import DomainError
from accounts.forms import ProfileForm, SignInForm
from accounts.services import profile_update, signin_lockout_clear


class SignInView(auth_views.LoginView):
    form_class = SignInForm


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
    return render(request, "accounts/profile.html", {"form": form}, status=status)
