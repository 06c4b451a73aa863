from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Sessions"

    def ready(self):
        from accounts.privacy import personal_data_register
        from events import privacy

        personal_data_register(
            name="sessions", export=privacy.personal_data_export, erase=privacy.personal_data_erase
        )
