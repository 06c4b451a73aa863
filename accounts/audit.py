"""The audit log: one function writes it, so every entry has the same shape."""

from accounts.models import AuditEntry


def audit_record(*, actor, action: str, target, detail: dict | None = None) -> AuditEntry:
    """Record that `actor` did `action` to `target` (a model instance), with optional detail."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        detail=detail or {},
    )
