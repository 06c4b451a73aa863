"""What events tells the layers above it: attendance outcomes that become endorsement hours.

Events sits below the endorsement ledger, so it cannot call the ledger. It announces the whole
roster of an occurrence each time attendance is closed or changed after closing; a receiver in
endorsement reconciles its entries against it (create, update, or remove, keyed by member and
session), which keeps repeated sends harmless.
"""

from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class AttendanceOutcome:
    """One person's attendance at one occurrence, as the facilitator closed it."""

    member_id: int
    status: str  # "present", "partial" or "absent"
    minutes: int  # minutes attended; 0 when absent


# Sent with sender=events.models.Session and keyword arguments:
#   session: the Session occurrence (its kind, competencies, facilitators, date and zone decide
#            what kind of entry it becomes),
#   outcomes: list[AttendanceOutcome] covering everyone on the roster,
#   actor: the user who closed or changed the attendance.
attendance_closed = Signal()
