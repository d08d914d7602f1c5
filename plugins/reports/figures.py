"""The report: the period and channel asked for, the plugins' figures merged
(``sep_report_metrics``), and the rows the page, the CSV and the CLI show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sep_core import MOSCOW, current_state, now, to_moscow
from sep_core import gettext as _

CHANNEL = re.compile(r"^[a-z0-9_]{1,20}$")
KNOWN_CHANNELS = ("web", "api", "phone", "vk", "ok", "telegram", "max")
DEFAULT_DAYS = 14
MAX_DAYS = 366


class PeriodError(ValueError):
    """A period or channel that cannot be reported; the message is for the person."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass
class Period:
    first: date
    last: date
    channel: str | None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=MOSCOW)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=MOSCOW)

    def days(self) -> list[str]:
        return [(self.first + timedelta(days=i)).isoformat() for i in range((self.last - self.first).days + 1)]


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise PeriodError(_("Enter the date as YYYY-MM-DD."), field) from None


def parse_period(first: str | None, last: str | None, channel: str | None) -> Period:
    today = to_moscow(now()).date()
    last_day = _date(last, "to") if last else today
    first_day = _date(first, "from") if first else last_day - timedelta(days=DEFAULT_DAYS - 1)
    if first_day > last_day:
        raise PeriodError(_("The start of the period is after its end."), "from")
    if (last_day - first_day).days >= MAX_DAYS:
        raise PeriodError(_("The period may be at most %(days)s days.", days=MAX_DAYS), "from")
    channel = (channel or "").strip()
    if channel and not CHANNEL.match(channel):
        raise PeriodError(_("Unknown channel."), "channel")
    return Period(first_day, last_day, channel or None)


def collect(period: Period) -> dict[str, Any]:
    """Every plugin's figures for the period, merged (each plugin answers under its own keys)."""
    merged: dict[str, Any] = {}
    for result in current_state().pm.hook.sep_report_metrics(start=period.start, end=period.end,
                                                              channel=period.channel):
        if isinstance(result, dict):
            merged.update({k: v for k, v in result.items() if k != "source"})
    return merged


def build(period: Period) -> dict[str, Any]:
    """The report as plain data: what the page draws, the CSV lists and the CLI prints."""
    figures = collect(period)
    requests = figures.get("requests")
    calls = figures.get("calls")
    report: dict[str, Any] = {"from": period.first.isoformat(), "to": period.last.isoformat(),
                              "channel": period.channel, "sections": sorted(figures)}
    if requests is not None:
        by_day = requests.get("by_day", {})
        report["requests"] = {
            "per_day": [{"day": d, **{k: by_day.get(d, {}).get(k, 0) for k in ("received", "answered", "overdue")}}
                        for d in period.days()],
            "per_channel": [{"channel": c, **v} for c, v in requests.get("by_channel", {}).items()],
            "totals": {k: sum(v.get(k, 0) for v in by_day.values()) for k in ("received", "answered", "overdue")},
            "compliance": requests.get("compliance"), "answered_in_time": requests.get("answered_in_time", 0),
            "answered_total": requests.get("answered_total", 0),
            "first_answer_minutes": requests.get("first_answer_minutes", {}),
            "queue_by_profile": requests.get("queue_by_profile", {}),
        }
    if figures.get("bot") is not None:
        report["bot"] = figures["bot"]
    if calls is not None:
        report["calls"] = {"total": calls.get("total", 0), "by_outcome": calls.get("by_outcome", {}),
                           "per_day": [{"day": d, "calls": calls.get("by_day", {}).get(d, 0)} for d in period.days()]}
    return report


def channel_choices(report: dict | None = None) -> list[str]:
    seen = list(KNOWN_CHANNELS)
    for row in (report or {}).get("requests", {}).get("per_channel", []):
        if row["channel"] not in seen:
            seen.append(row["channel"])
    return seen


def csv_rows(report: dict) -> list[list[str]]:
    """section, key, metric, value — one figure a line."""
    rows = [["section", "key", "metric", "value"],
            ["period", report["from"], "to", report["to"]],
            ["period", "channel", "channel", report["channel"] or "all"]]
    requests = report.get("requests")
    if requests:
        for item in requests["per_day"]:
            rows += [["requests_per_day", item["day"], k, item[k]] for k in ("received", "answered", "overdue")]
        for item in requests["per_channel"]:
            rows += [["requests_per_channel", item["channel"], k, item.get(k, 0)]
                     for k in ("received", "answered", "overdue")]
        rows += [["requests", "total", k, v] for k, v in requests["totals"].items()]
        rows += [["requests", "deadline", "compliance_percent", _blank(requests["compliance"])],
                 ["requests", "deadline", "answered_in_time", requests["answered_in_time"]],
                 ["requests", "deadline", "answered_total", requests["answered_total"]],
                 ["requests", "first_answer_minutes", "median", _blank(requests["first_answer_minutes"].get("median"))],
                 ["requests", "first_answer_minutes", "p90", _blank(requests["first_answer_minutes"].get("p90"))]]
        rows += [["queue_by_profile", k, "open", v] for k, v in requests["queue_by_profile"].items()]
    bot = report.get("bot")
    if bot:
        rows += [["bot", "questions", "count", bot["questions"]], ["bot", "answered", "count", bot["answered"]],
                 ["bot", "answered", "share_percent", _blank(bot["answered_share"])],
                 ["bot", "ratings", "up", bot["ratings"]["up"]], ["bot", "ratings", "down", bot["ratings"]["down"]]]
    calls = report.get("calls")
    if calls:
        rows += [["calls", outcome, "count", n] for outcome, n in calls["by_outcome"].items()]
        rows.append(["calls", "total", "count", calls["total"]])
    return [[_safe(v) for v in row] for row in rows]


def _blank(value) -> str:
    return "" if value is None else value


def _safe(value) -> str:
    """No spreadsheet formulas from data (a channel or profile named "=..."): prefix a quote."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
