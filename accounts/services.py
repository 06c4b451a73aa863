"""Writes on accounts: registering a person and editing a profile."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.errors import DomainError


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
    candidate = User(username=username, email=email, display_name=display_name.strip()[:80])
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from error
    with transaction.atomic():
        candidate.set_password(password)
        candidate.save()
    return candidate
