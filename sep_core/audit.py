"""The audit log: every staff view or change of personal or service data."""

from __future__ import annotations

from flask import g, has_request_context

from .extensions import db
from .models import AuditEntry


def audit(actor, action: str, object_type: str, object_id: object = "", reason: str = "") -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits).

    ``actor`` is a User or None (the system). Never put personal data in ``reason``. During a
    call authenticated with an API token, the entry records the token's id.
    """
    token = g.get("sep_api_token") if has_request_context() else None
    entry = AuditEntry(actor_id=getattr(actor, "id", None), action=action, object_type=object_type,
                       object_id=str(object_id), reason=reason, token_id=getattr(token, "id", None))
    db.session.add(entry)
    return entry
