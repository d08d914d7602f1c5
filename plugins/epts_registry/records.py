"""The registry side of the contract: records from the local tables, with every field classified.

The plugin returns every field it holds; the core (``sep_core.registry``) decides what the
requester sees. The record id is the ЭПТС number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sep_core import RegistryField, RegistryOwner, RegistryRecord, db, utcnow_naive
from sep_core.registry import PUBLIC, SERVICE

from .messages import N_
from .models import IdentityPass, Vehicle
from .validation import NUMBER_RE, VIN_RE

SOURCE = "epts_registry"

#: (field name, English label msgid) of the open part, in display order.
PUBLIC_FIELDS = (
    ("epts_number", N_("ЭПТС number")), ("vin", N_("VIN")), ("status", N_("Status")),
    ("status_changed_on", N_("Status since")), ("issued_on", N_("Issued on")),
    ("make", N_("Make")), ("model", N_("Model")), ("year", N_("Year of manufacture")), ("category", N_("Category")),
    ("body", N_("Body type")), ("engine", N_("Engine")), ("power_kw", N_("Power, kW")), ("colour", N_("Colour")),
    ("eco_class", N_("Environmental class")),
)
#: The service part.
SERVICE_FIELDS = (
    ("owner_name", N_("Owner")), ("owner_kind", N_("Owner type")), ("owner_region", N_("Owner's region")),
    ("owned_since", N_("Owner since")), ("ownership_document", N_("Ground of ownership")),
    ("owner_history", N_("Ownership history")),
)


def find_vehicle(query: Mapping[str, Any]) -> Vehicle | None:
    """The vehicle for a normalised query (``number``, ``vin`` or ``id`` = the ЭПТС number)."""
    number = str(query.get("number") or query.get("id") or "")
    vin = str(query.get("vin") or "")
    if number and NUMBER_RE.match(number):
        return db.session.execute(db.select(Vehicle).filter_by(epts_number=number)).scalar_one_or_none()
    if vin and VIN_RE.match(vin):
        return db.session.execute(db.select(Vehicle).filter_by(vin=vin)).scalar_one_or_none()
    return None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def history(vehicle: Vehicle) -> list[dict[str, Any]]:
    return [{"seq": o.seq, "kind": o.kind, "name": o.name, "region": o.region, "document": o.document,
             "from": _iso(o.owned_from), "to": _iso(o.owned_to)} for o in vehicle.owners]


def record_for(vehicle: Vehicle) -> RegistryRecord:
    values = {
        "epts_number": vehicle.epts_number, "vin": vehicle.vin, "status": vehicle.status,
        "status_changed_on": _iso(vehicle.status_changed_on), "issued_on": _iso(vehicle.issued_on),
        "make": vehicle.make, "model": vehicle.model, "year": vehicle.year, "category": vehicle.category,
        "body": vehicle.body, "engine": vehicle.engine, "power_kw": vehicle.power_kw, "colour": vehicle.colour,
        "eco_class": vehicle.eco_class,
    }
    fields = [RegistryField(name, values[name], PUBLIC, label) for name, label in PUBLIC_FIELDS]
    owner = vehicle.current_owner
    service = {
        "owner_name": owner.name if owner else None,
        "owner_kind": owner.kind if owner else None,
        "owner_region": owner.region if owner else None,
        "owned_since": _iso(owner.owned_from) if owner else None,
        "ownership_document": owner.document if owner else None,
        "owner_history": history(vehicle),
    }
    fields += [RegistryField(name, service[name], SERVICE, label) for name, label in SERVICE_FIELDS]
    link = RegistryOwner(user_id=owner.user_id, email=owner.email, phone=owner.phone) if owner else None
    return RegistryRecord(record_id=vehicle.epts_number, fields=fields, owner=link, source=SOURCE)


def lookup(query: Mapping[str, Any]) -> RegistryRecord | None:
    vehicle = find_vehicle(query)
    return record_for(vehicle) if vehicle is not None else None


# --- identity checks heard through sep_on_identity_checked ------------------------------------


def remember_identity_check(check: Mapping[str, Any]) -> None:
    """Keep the id of a passed identity check; the core asks the identity plugin again later."""
    if not isinstance(check, Mapping) or check.get("status") != "passed":
        return
    user_id, check_id = check.get("user_id"), check.get("id")
    if not isinstance(user_id, int) or check_id is None:
        return
    exists = db.session.execute(db.select(IdentityPass).filter_by(user_id=user_id, check_id=str(check_id))).first()
    if exists is None:
        db.session.add(IdentityPass(user_id=user_id, check_id=str(check_id), passed_at=utcnow_naive()))
        db.session.commit()


def identity_check_ids(user) -> list[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.execute(db.select(IdentityPass.check_id).filter_by(user_id=user.id)
                              .order_by(IdentityPass.id.desc()).limit(20)).scalars()
    return list(rows)


# --- the citizen's data download and account deletion -------------------------------------------


def user_data(user) -> dict[str, Any]:
    """What this plugin keeps about the account: linked vehicles, extracts issued to it."""
    from .models import Extract, Owner

    numbers = db.session.execute(
        db.select(Vehicle.epts_number).join(Owner).filter(Owner.user_id == user.id).order_by(Vehicle.epts_number)
    ).scalars()
    extracts = db.session.execute(db.select(Extract).filter_by(issued_to_id=user.id).order_by(Extract.id)).scalars()
    return {"epts_registry": {
        "linked_vehicles": sorted(set(numbers)),
        "extracts": [{"code": e.code, "epts_number": e.epts_number, "issued_at": e.issued_at.isoformat() + "Z"}
                     for e in extracts],
    }}


def forget_user(user) -> None:
    """The account goes: unlink it from owner records and extracts, drop remembered checks. The
    registry's own records (owners as the registry knows them) stay: they are not account data."""
    from .models import Extract, Owner

    db.session.execute(db.update(Owner).where(Owner.user_id == user.id).values(user_id=None))
    db.session.execute(db.update(Extract).where(Extract.issued_to_id == user.id).values(issued_to_id=None))
    db.session.execute(db.delete(IdentityPass).where(IdentityPass.user_id == user.id))
