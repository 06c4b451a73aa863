"""The endorsement app: connects the ledger to attendance announced by events."""

from django.apps import AppConfig


class EndorsementConfig(AppConfig):
    name = "endorsement"
    verbose_name = "Endorsement"

    def ready(self) -> None:
        from endorsement.receivers import on_attendance_closed
        from events.models import Session
        from events.signals import attendance_closed

        # A stable dispatch_uid keeps one connection even if ready() runs twice.
        attendance_closed.connect(
            on_attendance_closed, sender=Session, dispatch_uid="endorsement.attendance_closed"
        )

        from accounts.privacy import personal_data_register
        from endorsement import privacy

        personal_data_register(
            name="endorsement",
            export=privacy.personal_data_export,
            erase=privacy.personal_data_erase,
        )
