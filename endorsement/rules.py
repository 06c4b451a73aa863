"""Who may do what to the ledger (django-rules): one answer per question."""

import rules

from accounts.rules import is_administrator
from endorsement.selectors import facilitates, profile_for


@rules.predicate
def is_entry_owner(user, entry) -> bool:
    return entry is not None and user.pk is not None and entry.member_id == user.pk


@rules.predicate
def is_named_provider(user, entry) -> bool:
    return entry is not None and getattr(entry, "provider_id", None) == user.pk


@rules.predicate
def facilitator_with_details(user, entry) -> bool:
    """A facilitator of the member's cohort, and the member shares details with facilitators."""
    if entry is None or not facilitates(user, entry.member):
        return False
    return profile_for(entry.member).sharing == "details"


@rules.predicate
def is_self_logged(user, entry) -> bool:
    return entry is not None and entry.source == "self"


rules.add_perm(
    "endorsement.view_entry",
    is_entry_owner | is_named_provider | facilitator_with_details | is_administrator,
)
rules.add_perm("endorsement.change_entry", is_entry_owner & is_self_logged)
rules.add_perm("endorsement.decide_entry", is_named_provider)
rules.add_perm("endorsement.view_certificate", is_entry_owner | is_administrator)
rules.add_perm("endorsement.verify_credential", is_administrator)
