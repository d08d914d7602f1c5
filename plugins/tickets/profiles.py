"""Specialist profiles as data: the managed list escalation, categories, the staff page and the
duty roster pick from (``sep_specialist_profiles``), and the check that a profile has someone
to work it before a request is sent there."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from sep_core import User, db, plugin_settings
from sep_core import gettext as _

from .models import Category, Profile

CODE = re.compile(r"^[a-z0-9_]{1,60}$")


class ProfileError(ValueError):
    """A profile that cannot be used or saved; the message is for the person."""


def ensure_profiles() -> None:
    """Write the configured profiles (and any a category names) once, when the table is empty."""
    if current_app.extensions.get("tickets_profiles_seeded"):
        return
    if db.session.execute(select(Profile.id).limit(1)).first() is None:
        seen: set[str] = set()
        for position, item in enumerate(plugin_settings("tickets")["profiles"]):
            seen.add(item["code"])
            db.session.add(Profile(code=item["code"], name_ru=item["name_ru"], name_en=item["name_en"],
                                   position=position, active=True))
        for code in db.session.execute(select(Category.profile).where(Category.profile != "")).scalars():
            if code not in seen:
                seen.add(code)
                db.session.add(Profile(code=code, name_ru=code, name_en=code, position=len(seen), active=True))
        db.session.commit()
    current_app.extensions["tickets_profiles_seeded"] = True


def all_profiles() -> list[Profile]:
    ensure_profiles()
    return list(db.session.execute(select(Profile).order_by(Profile.position, Profile.id)).scalars())


def active_codes() -> list[str]:
    return [p.code for p in all_profiles() if p.active]


def choices(locale: str, blank: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the active profiles, for a select; ``blank`` first when given."""
    items = [(p.code, p.label(locale)) for p in all_profiles() if p.active]
    return ([("", blank)] if blank is not None else []) + items


def specialists(code: str) -> list[User]:
    """Active specialists who have this profile."""
    users = db.session.execute(select(User).where(User.role == "specialist", User.active.is_(True))).scalars()
    return [u for u in users if code in (u.profiles or [])]


def check_usable(code: str) -> None:
    """Refuse a profile that is not on the active list or that no active specialist has."""
    if code not in active_codes():
        raise ProfileError(_("There is no active specialist profile %(profile)s. Choose one from the list.",
                             profile=code))
    if not specialists(code):
        raise ProfileError(_("No active specialist has the profile %(profile)s, so nobody would see the "
                             "request. Choose another profile or ask an administrator to give it to a "
                             "specialist.", profile=code))


def save(code: str, name_ru: str, name_en: str, active: bool = True, position: int | None = None) -> Profile:
    """Add or change a profile by its code (the caller commits)."""
    code = (code or "").strip()
    if not CODE.match(code):
        raise ProfileError(_("Use lower-case letters, digits and _."))
    if not name_ru.strip() or not name_en.strip():
        raise ProfileError(_("Give the name in Russian and in English."))
    ensure_profiles()
    row = db.session.execute(select(Profile).filter_by(code=code)).scalar_one_or_none()
    if row is None:
        row = Profile(code=code, position=len(all_profiles()))
        db.session.add(row)
    row.name_ru, row.name_en, row.active = name_ru.strip()[:120], name_en.strip()[:120], bool(active)
    if position is not None:
        row.position = position
    return row


def hook_answer(locale: str) -> list[dict]:
    """``sep_specialist_profiles``: every profile, active or not, with its label."""
    return [{"code": p.code, "name": p.label(locale), "name_ru": p.name_ru, "name_en": p.name_en,
             "active": p.active, "specialists": len(specialists(p.code))} for p in all_profiles()]
