from django.apps import AppConfig


class CollaborativesConfig(AppConfig):
    name = "collaboratives"
    verbose_name = "Learning collaboratives"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from collaboratives.broadcast import user_publish

        def close_rooms_on_sign_out(sender, request, user, **kwargs):
            # Every open room socket of this person re-checks its session and closes (4401).
            if user is not None:
                user_publish(user.pk, "signed_out")

        user_logged_out.connect(close_rooms_on_sign_out, weak=False, dispatch_uid="rooms-sign-out")
