"""Signal receivers: attendance closed in events becomes ledger entries."""

from endorsement.services import attendance_reconcile


def on_attendance_closed(sender, *, session, outcomes, actor=None, **kwargs) -> None:
    attendance_reconcile(session=session, outcomes=list(outcomes), actor=actor)
