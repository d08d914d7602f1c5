"""The opening hours and the response target on the home page, in words.

The hours come from whichever plugin answers ``sep_service_schedule`` (the calendar), the answer
time from ``sep_response_target`` (the request service), never from a text of our own: a
deployer who changes the calendar's hours changes the page. When no plugin
answers, or the answer is not understood, the caller shows its fallback sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime

from flask_babel import format_decimal, pgettext

from sep_core import current_state, ngettext, service_schedule
from sep_core import gettext as _

INTERVAL = re.compile(r"^(\d{2}:\d{2})-(\d{2}:\d{2})$")


def _intervals(value) -> list[tuple[str, str]] | None:
    if not isinstance(value, list | tuple):
        return None
    out = []
    for item in value:
        match = INTERVAL.match(str(item).strip())
        if not match:
            return None
        out.append((match.group(1), match.group(2)))
    return out


def _ranges(intervals: list[tuple[str, str]]) -> str:
    """``from 06:00 to 12:00 and from 13:00 to 18:00`` (lower case, for the middle of a sentence)."""
    parts = [_("from %(start)s to %(end)s", start=s, end=e) for s, e in intervals]
    if len(parts) == 1:
        return parts[0]
    return _("%(intervals)s and %(last)s", intervals=", ".join(parts[:-1]), last=parts[-1])


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def hours_text(service: str, quiet_if_always_open: bool = False) -> str | None:
    """One or two sentences saying when the service works; None when no plugin knows its schedule
    (or, with ``quiet_if_always_open``, when it is open around the clock)."""
    schedule = service_schedule(service)
    if not schedule:
        return None
    hours = _intervals(schedule.get("hours"))
    days = schedule.get("days")
    if hours is None or days not in ("working", "all"):
        return None
    if not hours:
        return _("No regular opening hours.")
    if days == "all":
        if hours == [("00:00", "24:00")]:
            return None if quiet_if_always_open else _("Around the clock, every day.")
        return _("%(hours)s Moscow time every day, including weekends and public holidays.",
                 hours=_capitalised(_ranges(hours)))
    text = _capitalised(_ranges(hours))
    short = _intervals(schedule.get("short_day_hours")) if schedule.get("short_day_hours") is not None else hours
    if short is None or short == hours:
        sentence = _("%(hours)s Moscow time on working days.", hours=text)
    elif not short:
        sentence = _("%(hours)s Moscow time on working days; closed on pre-holiday days.", hours=text)
    elif short[:-1] == hours[:-1] and short[-1][0] == hours[-1][0]:
        sentence = _("%(hours)s Moscow time on working days, on pre-holiday days until %(end)s.",
                     hours=text, end=short[-1][1])
    else:
        sentence = _("%(hours)s Moscow time on working days, on pre-holiday days %(short)s.",
                     hours=text, short=_ranges(short))
    return sentence + " " + _("Closed on weekends and public holidays.")


def response_text() -> str | None:
    """The answer-time rule of the request service (``sep_response_target``: the same setting
    the request pages, e-mails and the desk read); None when no plugin gives one."""
    target = current_state().pm.hook.sep_response_target()
    if not isinstance(target, Mapping):
        return None
    text = target.get("text")
    if isinstance(text, str) and text.strip():
        return text.strip()
    value = target.get("hours")
    if isinstance(value, bool) or not isinstance(value, int | float) or not (0 < value < math.inf):
        return None
    if float(value).is_integer():
        return ngettext("We answer within %(hours)s working hour.", "We answer within %(hours)s working hours.",
                        int(value), hours=format_decimal(value))
    # A fraction: plural in English, genitive singular in Russian ("1,5 рабочего часа").
    return pgettext("fraction of hours", "We answer within %(hours)s working hours.", hours=format_decimal(value))


def due_if_filed(at) -> datetime | None:
    """When the answer to a request filed at ``at`` is due (``sep_response_target``'s ``due_for``),
    or None when no plugin can say."""
    target = current_state().pm.hook.sep_response_target()
    due_for = target.get("due_for") if isinstance(target, Mapping) else None
    if not callable(due_for):
        return None
    try:
        due = due_for(at)
    except Exception:  # a calendar problem must not break the home page
        return None
    return due if isinstance(due, datetime) else None
