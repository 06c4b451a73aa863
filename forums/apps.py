"""Threaded discussions per cohort, per collaborative and community-wide."""

from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = "Forums"

    def ready(self):
        # Topics and replies join the one search entry point (resources.search imports nothing
        # of forums; forums registers itself).
        from forums.search import register_all

        register_all()

        from accounts.privacy import personal_data_register
        from forums import privacy

        personal_data_register(
            name="forums", export=privacy.personal_data_export, erase=privacy.personal_data_erase
        )
