"""Issuing extracts (the PDF with a verification code) and checking codes."""

from __future__ import annotations

import hashlib
import re
import secrets

from flask import url_for

from sep_core import RegistryExtract, db, now, plugin_settings, utcnow_naive

from . import pdf
from .messages import N_
from .models import STATUSES, Extract, Vehicle
from .records import history

#: Crockford-like alphabet: no I, L, O, U (nothing to confuse when typed from paper).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{12}$")
STATUS_LABELS = {"incomplete": N_("Incomplete"), "active": N_("Active"), "closed": N_("Closed"),
                 "annulled": N_("Annulled")}
KIND_LABELS = {"person": N_("Private person"), "company": N_("Organisation")}


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(value: object) -> str | None:
    """The stored form (XXXX-XXXX-XXXX) of a code as typed, or None when it cannot be one."""
    text = re.sub(r"[\s\-]+", "", str(value or "")[:40]).upper()
    text = text.translate(str.maketrans("OIL", "011"))
    if not CODE_RE.match(text):
        return None
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def _date(value) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else "—"


def issue(vehicle: Vehicle, requester) -> RegistryExtract:
    ru = pdf.ru
    issued_at = utcnow_naive()
    code = new_code()
    while db.session.execute(db.select(Extract.id).filter_by(code=code)).first() is not None:
        code = new_code()
    owner = vehicle.current_owner
    public_rows = [
        (ru(N_("ЭПТС number")), vehicle.epts_number), (ru(N_("VIN")), vehicle.vin),
        (ru(N_("Status")), ru(STATUS_LABELS.get(vehicle.status, vehicle.status))),
        (ru(N_("Status since")), _date(vehicle.status_changed_on)), (ru(N_("Issued on")), _date(vehicle.issued_on)),
        (ru(N_("Make")), vehicle.make), (ru(N_("Model")), vehicle.model), (ru(N_("Year of manufacture")), vehicle.year),
        (ru(N_("Category")), vehicle.category), (ru(N_("Body type")), vehicle.body), (ru(N_("Engine")), vehicle.engine),
        (ru(N_("Power, kW")), vehicle.power_kw), (ru(N_("Colour")), vehicle.colour),
        (ru(N_("Environmental class")), vehicle.eco_class),
    ]
    service_rows = [
        (ru(N_("Owner")), owner.name if owner else None),
        (ru(N_("Owner type")), ru(KIND_LABELS.get(owner.kind, owner.kind)) if owner else None),
        (ru(N_("Owner's region")), owner.region if owner else None),
        (ru(N_("Owner since")), _date(owner.owned_from) if owner else None),
        (ru(N_("Ground of ownership")), owner.document if owner else None),
    ]
    history_rows = [[str(h["seq"]), h["name"], ru(KIND_LABELS.get(h["kind"], h["kind"])),
                     _iso_to_ru(h["from"]), _iso_to_ru(h["to"]) if h["to"] else ru(N_("until now"))]
                    for h in history(vehicle)]
    content = pdf.render(
        title=ru(N_("Extract from the electronic vehicle passport (ЭПТС)")),
        registry_name=str(plugin_settings("epts_registry")["registry_name"]),
        issued_at=issued_at, code=code,
        verify_url=url_for("epts_registry.verify_page", code=code, _external=True),
        public_rows=public_rows, service_rows=service_rows, history_rows=history_rows,
        history_head=["№", ru(N_("Owner")), ru(N_("Owner type")), ru(N_("From")), ru(N_("To"))],
        notes=[ru(N_("The extract shows the record's data at the moment it was made.")),
               ru(N_("Anyone can check the extract by its verification code; the check shows the "
                     "ЭПТС number, the status and the moment of issue, not the owner's data."))],
    )
    db.session.add(Extract(code=code, vehicle_id=vehicle.id, epts_number=vehicle.epts_number,
                           status_at_issue=vehicle.status, issued_at=issued_at,
                           issued_to_id=getattr(requester, "id", None),
                           sha256=hashlib.sha256(content).hexdigest()))
    db.session.commit()
    stamp = now().strftime("%Y%m%d")
    return RegistryExtract(content=content, media_type="application/pdf",
                           filename=f"epts-extract-{vehicle.epts_number}-{stamp}.pdf",
                           verification_code=code, issued_at=issued_at)


def _iso_to_ru(value: str | None) -> str:
    if not value:
        return "—"
    year, month, day = value.split("-")
    return f"{day}.{month}.{year}"


def verify(code: object) -> Extract | None:
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return db.session.execute(db.select(Extract).filter_by(code=normalised)).scalar_one_or_none()


__all__ = ["STATUSES", "STATUS_LABELS", "issue", "normalise_code", "verify"]
