from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Connects the sign-in receivers (failure counters, second factor).
        from accounts import signals  # noqa: F401
