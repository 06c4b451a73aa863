from django.apps import AppConfig


class CollaborativesConfig(AppConfig):
    name = "collaboratives"
    verbose_name = "Learning collaboratives"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from accounts.privacy import personal_data_register
        from collaboratives import privacy
        from collaboratives.broadcast import user_publish

        personal_data_register(
            name="rooms", export=privacy.personal_data_export, erase=privacy.personal_data_erase
        )

        def close_rooms_on_sign_out(sender, request, user, **kwargs):
            # Every open room socket of this person re-checks its session and closes (4401).
            if user is not None:
                user_publish(user.pk, "signed_out")

        user_logged_out.connect(close_rooms_on_sign_out, weak=False, dispatch_uid="rooms-sign-out")

        from accounts.signals import sessions_ended

        def close_rooms_on_sessions_ended(sender, user_id, **kwargs):
            # "Sign out everywhere": every open socket re-checks its session now (the ones whose
            # session ended close with 4401), not at the next periodic re-check.
            user_publish(user_id, "signed_out")

        sessions_ended.connect(
            close_rooms_on_sessions_ended, weak=False, dispatch_uid="rooms-sessions-ended"
        )

        from django.db.models.signals import post_delete, post_save

        from accounts import request_scope
        from collaboratives.models import Membership

        # A request that changes a membership must not go on reading the roles it read before.
        for signal in (post_save, post_delete):
            signal.connect(
                request_scope.forget, sender=Membership, dispatch_uid="request-scope-memberships"
            )
