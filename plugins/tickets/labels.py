"""Human names for the request service's codes on the desk (message kinds, queues, profiles):
staff read labels, never ``duty`` or ``tech_support``."""

from __future__ import annotations

from flask import g, has_request_context

from sep_core import lazy_gettext as _l

from . import profiles

#: What each kind of thread entry is.
MESSAGE_KINDS = {"citizen": _l("Citizen's message"), "reply": _l("Reply to the citizen"),
                 "note": _l("Internal note"), "documents": _l("Request for documents"),
                 "identity": _l("Identity confirmation"), "requirement": _l("Technical requirement"),
                 "escalation": _l("Escalation"), "system": _l("System message")}
#: Statuses whose citizen-facing name reads wrong on the desk ("your documents").
STAFF_STATUSES = {"waiting_documents": _l("Waiting for the citizen's documents")}
#: The queues categories send requests to (a profile's requests go to its specialists instead).
QUEUES = {"duty": _l("Duty specialists")}


def message_kind(code: str) -> str:
    return str(MESSAGE_KINDS.get(code, code))


def staff_status(code: str) -> str:
    """A status as staff read it (the citizen's wording where it fits both)."""
    from .service import status_label

    return str(STAFF_STATUSES[code]) if code in STAFF_STATUSES else status_label(code)


def queue(code: str | None) -> str:
    if not code:
        return "—"
    return str(QUEUES.get(code, code.replace("_", " ")))


def profile(code: str | None, locale: str) -> str:
    """A specialist profile's name in the reader's language (its code if it was deleted)."""
    if not code:
        return "—"
    names = getattr(g, "_tickets_profile_names", None) if has_request_context() else None
    if names is None:
        names = {p.code: p for p in profiles.all_profiles()}
        if has_request_context():
            g._tickets_profile_names = names
    row = names.get(code)
    return row.label(locale) if row is not None else code.replace("_", " ")


def lane(ticket, locale: str) -> str:
    """Who works the request: its profile's name, or its queue's."""
    return profile(ticket.profile, locale) if ticket.profile else queue(ticket.queue)
