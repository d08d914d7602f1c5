"""Open registry data: every field is ``public`` or ``service``, and the core decides who sees
the service part.

A registry plugin (the reference one is ``epts_registry``; a deployer plugs in the real registry)
answers ``sep_registry_lookup(query, requester)`` with a :class:`RegistryRecord` and
``sep_registry_extract(record_id, requester)`` with a :class:`RegistryExtract`. Callers never use
those hooks directly: they call :func:`registry_lookup` and :func:`registry_extract`, which

- drop every ``service`` field (and every field with an unknown classification: fail closed)
  unless the requester is the record's verified owner or staff with a role in
  :data:`SERVICE_ROLES` who gave a reason, whatever the plugin returned;
- never ask a plugin for an extract on behalf of a requester who may not have it;
- write each access to service data to the audit log (who, what, when, why) and commit it.

The verified owner: a signed-in, active user who is the record's owner — the record's
``owner.user_id`` is the user's id, or ``owner.email`` / ``owner.phone`` equals the user's
*confirmed* e-mail / phone — and whose identity is confirmed (:func:`identity_confirmed`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .audit import audit
from .clock import utcnow_naive
from .errors import SepError
from .extensions import db
from .state import current_state

PUBLIC = "public"
SERVICE = "service"
CLASSIFICATIONS = (PUBLIC, SERVICE)

#: Staff roles that may see the service part (with a stated reason). ``kb_editor`` edits the
#: knowledge base and has no need for owners' data.
SERVICE_ROLES = ("duty", "specialist", "admin")

#: A passed identity check (through another channel) counts for this long.
IDENTITY_CHECK_VALID_DAYS = 365

#: Access levels of a :class:`RegistryView`.
LEVEL_PUBLIC, LEVEL_OWNER, LEVEL_STAFF = "public", "owner", "staff"

MAX_REASON = 200


class RegistryDenied(SepError):
    """The requester may not have what was asked (an extract needs the service part)."""

    def __init__(self, message: str, *, reason_required: bool = False):
        super().__init__(message)
        self.reason_required = reason_required


@dataclass(frozen=True)
class RegistryField:
    """One value of a record and its classification (``public`` or ``service``)."""

    name: str
    value: Any
    classification: str = SERVICE
    """Anything but ``"public"`` is treated as service data."""
    label: str = ""
    """A human label (English msgid or plain text) for pages and documents."""

    @property
    def is_public(self) -> bool:
        return self.classification == PUBLIC


@dataclass(frozen=True)
class RegistryOwner:
    """Who owns the record, for deciding who is its verified owner. Never shown as such."""

    user_id: int | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class RegistryRecord:
    """What a registry plugin returns from ``sep_registry_lookup``."""

    record_id: str
    fields: list[RegistryField | Mapping[str, Any]]
    owner: RegistryOwner | None = None
    source: str = ""
    """The registry's name (for the audit log)."""


@dataclass
class RegistryExtract:
    """What a registry plugin returns from ``sep_registry_extract``: the document itself."""

    content: bytes
    media_type: str = "application/pdf"
    filename: str = "extract.pdf"
    verification_code: str = ""
    issued_at: datetime | None = None


@dataclass(frozen=True)
class RegistryAccess:
    """The core's decision for one requester and one record."""

    level: str = LEVEL_PUBLIC
    """``public``, ``owner`` or ``staff``."""
    reason_required: bool = False
    """Staff who may see the service part but gave no reason (ask them for one)."""

    @property
    def service(self) -> bool:
        return self.level != LEVEL_PUBLIC


@dataclass
class RegistryView:
    """A record as this requester may see it: only the allowed fields."""

    record_id: str
    fields: list[RegistryField]
    access: RegistryAccess
    withheld: int = 0
    """How many service fields were withheld (the page can say "the service part is hidden")."""
    source: str = ""
    classifications: dict[str, str] = field(default_factory=dict)

    def value(self, name: str, default: Any = None) -> Any:
        for item in self.fields:
            if item.name == name:
                return item.value
        return default

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "access": self.access.level,
            "fields": {f.name: f.value for f in self.fields},
            "classification": {f.name: f.classification for f in self.fields},
            "service_withheld": self.withheld > 0,
        }


# --- who may see what --------------------------------------------------------------------------


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "id", None)
                and getattr(user, "active", True))


def identity_confirmed(user, identity_check_ids: Iterable[Any] = ()) -> bool:
    """True when both contacts of the user are confirmed and no plugin reports a missing
    confirmation (``sep_missing_confirmations``), or when one of ``identity_check_ids`` is a
    passed identity check of this very user, finished within :data:`IDENTITY_CHECK_VALID_DAYS`
    (asked through ``sep_identity_check_status``; the ids alone prove nothing)."""
    if not _authenticated(user):
        return False
    hook = current_state().pm.hook
    if getattr(user, "email_confirmed_at", None) and getattr(user, "phone_confirmed_at", None):
        missing = [c for group in hook.sep_missing_confirmations(user=user) for c in group or []]
        if not missing:
            return True
    oldest = utcnow_naive() - timedelta(days=IDENTITY_CHECK_VALID_DAYS)
    for check_id in identity_check_ids:
        check = hook.sep_identity_check_status(check_id=check_id)
        if not isinstance(check, Mapping) or check.get("status") != "passed":
            continue
        if check.get("user_id") != user.id:
            continue
        finished = _parse_utc(check.get("completed_at"))
        if finished is not None and finished >= oldest:
            return True
    return False


def _parse_utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is not None:
        from datetime import UTC

        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def is_owner(user, owner: RegistryOwner | None) -> bool:
    """The user is the record's owner: by user id, or by a *confirmed* e-mail or phone."""
    if owner is None or not _authenticated(user):
        return False
    if owner.user_id is not None and owner.user_id == user.id:
        return True
    email = (getattr(user, "email", None) or "").strip().lower()
    if owner.email and email and owner.email.strip().lower() == email and getattr(user, "email_confirmed_at", None):
        return True
    phone = (getattr(user, "phone", None) or "").strip()
    return bool(owner.phone and phone and owner.phone.strip() == phone and getattr(user, "phone_confirmed_at", None))


def is_service_staff(user) -> bool:
    return _authenticated(user) and getattr(user, "role", None) in SERVICE_ROLES


def clean_reason(reason: Any) -> str:
    """A reason as typed by staff: printable, one line, at most :data:`MAX_REASON` characters."""
    text = "".join(ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else " " for ch in str(reason or ""))
    return " ".join(text.split())[:MAX_REASON]


def decide_access(requester, owner: RegistryOwner | None, *, reason: str = "",
                  identity_check_ids: Iterable[Any] = ()) -> RegistryAccess:
    """Staff with a service role and a reason -> ``staff``; the verified owner -> ``owner``;
    everyone else -> ``public``."""
    if is_service_staff(requester):
        if clean_reason(reason):
            return RegistryAccess(LEVEL_STAFF)
        return RegistryAccess(LEVEL_PUBLIC, reason_required=True)
    if is_owner(requester, owner) and identity_confirmed(requester, identity_check_ids):
        return RegistryAccess(LEVEL_OWNER)
    return RegistryAccess(LEVEL_PUBLIC)


def _as_field(item: Any) -> RegistryField | None:
    if isinstance(item, RegistryField):
        return item
    if isinstance(item, Mapping) and isinstance(item.get("name"), str):
        return RegistryField(name=item["name"], value=item.get("value"),
                             classification=str(item.get("classification", SERVICE)),
                             label=str(item.get("label", "") or ""))
    return None  # not a field: never shown


def filter_record(record: RegistryRecord, access: RegistryAccess) -> RegistryView:
    """Keep the public fields, and the service ones only for service access."""
    kept, withheld = [], 0
    for item in record.fields:
        entry = _as_field(item)
        if entry is None:
            continue
        if entry.classification not in CLASSIFICATIONS:
            entry = RegistryField(entry.name, entry.value, SERVICE, entry.label)
        if entry.is_public or access.service:
            kept.append(entry)
        else:
            withheld += 1
    return RegistryView(record_id=str(record.record_id), fields=kept, access=access, withheld=withheld,
                        source=record.source, classifications={f.name: f.classification for f in kept})


def _audit_service_access(requester, action: str, record: RegistryRecord, access: RegistryAccess,
                          reason: str) -> None:
    why = clean_reason(reason) or ("owner's own record" if access.level == LEVEL_OWNER else "")
    object_id = f"{record.source}:{record.record_id}" if record.source else str(record.record_id)
    audit(requester, action, "registry_record", object_id[:120], reason=f"{access.level}: {why}")
    db.session.commit()


# --- the calls plugins' views make -------------------------------------------------------------


def registry_lookup(query: Mapping[str, Any], requester, *, reason: str = "",
                    identity_check_ids: Iterable[Any] = ()) -> RegistryView | None:
    """Ask the registries (``sep_registry_lookup``, first answer wins) and return what the
    requester may see, or None when no registry knows the record. Service access is audited."""
    record = current_state().pm.hook.sep_registry_lookup(query=dict(query), requester=requester)
    if record is None:
        return None
    if not isinstance(record, RegistryRecord):
        raise TypeError("sep_registry_lookup must return a RegistryRecord or None")
    check_ids = list(identity_check_ids)
    access = decide_access(requester, record.owner, reason=reason, identity_check_ids=check_ids)
    view = filter_record(record, access)
    if access.service and any(f.classification == SERVICE for f in view.fields):
        _audit_service_access(requester, "registry_service_view", record, access, reason)
    return view


def registry_extract(record_id: Any, requester, *, reason: str = "",
                     identity_check_ids: Iterable[Any] = ()) -> RegistryExtract | None:
    """The extract document for the verified owner or staff (audited), None when there is no
    such record or no registry makes extracts; :class:`RegistryDenied` for anyone else (the
    registry is not even asked)."""
    pm = current_state().pm
    record = pm.hook.sep_registry_lookup(query={"id": str(record_id)}, requester=requester)
    if record is None:
        return None
    if not isinstance(record, RegistryRecord):
        raise TypeError("sep_registry_lookup must return a RegistryRecord or None")
    access = decide_access(requester, record.owner, reason=reason, identity_check_ids=list(identity_check_ids))
    if not access.service:
        raise RegistryDenied("The extract is available to the record's verified owner and to staff only.",
                             reason_required=access.reason_required)
    extract = pm.hook.sep_registry_extract(record_id=str(record.record_id), requester=requester)
    if extract is None:
        return None
    if not isinstance(extract, RegistryExtract):
        raise TypeError("sep_registry_extract must return a RegistryExtract or None")
    _audit_service_access(requester, "registry_extract", record, access, reason)
    return extract
