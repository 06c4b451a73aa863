from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Sessions"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.privacy import personal_data_register
        from collaboratives.models import Membership
        from events import privacy, receivers

        post_save.connect(receivers.membership_saved, sender=Membership)
        post_delete.connect(receivers.membership_deleted, sender=Membership)

        personal_data_register(
            name="sessions", export=privacy.personal_data_export, erase=privacy.personal_data_erase
        )
