"""What sessions do when something elsewhere changes."""

from django.db import transaction

from events.services import rsvps_release


def _release_after_commit(user) -> None:
    transaction.on_commit(lambda: rsvps_release(user=user, only_lost_access=True))


def membership_saved(sender, instance, raw=False, **kwargs) -> None:
    """Someone left a cohort: the seats they held on sessions they may no longer attend go to
    the waitlists, once the change commits (however it was made: service, admin, shell)."""
    if not raw and instance.left_at is not None:
        _release_after_commit(instance.user)


def membership_deleted(sender, instance, **kwargs) -> None:
    _release_after_commit(instance.user)
