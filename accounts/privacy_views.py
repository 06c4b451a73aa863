"""The privacy page: download my data, delete my account. Rules live in accounts.privacy."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import privacy
from accounts.errors import DomainError

CONFIRMATION_PHRASE = "delete my account"


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirmation = forms.CharField(
        label=f"Type “{CONFIRMATION_PHRASE}” to confirm",
        max_length=40,
        help_text="This cannot be undone.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password

    def clean_confirmation(self):
        text = self.cleaned_data["confirmation"].strip().lower()
        if text != CONFIRMATION_PHRASE:
            raise forms.ValidationError(f"Type “{CONFIRMATION_PHRASE}” exactly to confirm.")
        return text


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def privacy_page(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                privacy.account_delete(user=request.user, actor=request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                logout(request)
                messages.success(request, "Your account is deleted. Thank you for being here.")
                return redirect("/")
        status = 400
    else:
        status = 200
    return render(
        request,
        "accounts/privacy.html",
        {"form": form},
        status=status,
    )


@never_cache
@login_required
@require_POST
def privacy_export(request):
    archive = privacy.personal_data_export(user=request.user, actor=request.user)
    response = HttpResponse(archive, content_type="application/zip")
    filename = f"imh-my-data-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
