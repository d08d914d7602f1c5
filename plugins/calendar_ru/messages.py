"""Citizen-facing texts for availability verdicts (translated at call time)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale

from sep_core import Availability
from sep_core import gettext as _

from .engine import Verdict


def locale() -> str:
    try:
        return str(get_locale() or "ru")
    except Exception:  # no app or request context: the default language
        return "ru"


def fmt(moment: datetime | None) -> str:
    return moment.strftime("%d.%m.%Y %H:%M") if moment else ""


def message(v: Verdict, lang: str) -> str:
    day = v.day
    if v.reason == "maintenance" and v.window:
        text = v.window.text(lang)
        until = _("Maintenance until %(end)s (Moscow time).", end=fmt(v.window.end))
        return f"{text} {until}".strip()
    if v.open and v.upcoming:
        w = v.upcoming
        head = _("Scheduled maintenance from %(start)s to %(end)s (Moscow time).",
                 start=fmt(w.start), end=fmt(w.end))
        return f"{head} {w.text(lang)}".strip()
    if v.reason == "holiday" and day:
        return day.name(lang)
    if v.reason == "transferred_day_off" and day and day.moved_from:
        return _("Day off transferred from %(date)s.", date=day.moved_from.strftime("%d.%m.%Y"))
    if v.reason == "weekend":
        return _("Weekend.")
    if v.reason == "override" and day:
        return day.reason if day.published else ""
    if v.reason == "special_non_working" and day:
        return day.name(lang)
    if v.reason == "outside_hours":
        return _("Outside working hours.")
    if v.reason == "short_day" and v.next_close:
        return _("Shortened pre-holiday day: open until %(time)s.", time=v.next_close.strftime("%H:%M"))
    if v.reason == "working_weekend":
        return _("Working weekend day.")
    return ""


def availability(v: Verdict, lang: str | None = None) -> Availability:
    return Availability(service=v.service, open=v.open, reason=v.reason, message=message(v, lang or locale()),
                        next_open=v.next_open, next_close=v.next_close, source="calendar_ru")
