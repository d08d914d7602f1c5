"""``/desk/reports`` (the page with charts) and ``/desk/reports.csv`` (the same figures)."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from sep_core import channel_label, current_state
from sep_core import gettext as _

from . import charts, figures

blueprint = Blueprint("reports", __name__, url_prefix="/desk", static_folder="static",
                      static_url_path="/static/reports")
ROLES = ("duty", "specialist", "admin")


@blueprint.before_request
def desk_staff_only():
    if not (current_user.is_authenticated and current_user.role in ROLES):
        abort(403)


def _period():
    args = request.args
    return figures.parse_period(args.get("from"), args.get("to"), args.get("channel"))


def outcome_label(key: str) -> str:
    labels = {"answered": _("Call answered"), "request_created": _("Request registered"),
              "callback_needed": _("Callback needed"), "missed": _("Call missed"), "unfilled": _("Not filled in")}
    return labels.get(key, key)


def lane_label(key: str) -> str:
    """A lane of the queue: a specialist profile's name, or the duty specialists' queue."""
    if key == "duty":
        return _("Duty specialists")
    for group in current_state().pm.hook.sep_specialist_profiles():
        for item in group or []:
            if str(item.get("code")) == key:
                return str(item.get("name") or key)
    return key.replace("_", " ")


def draw(report: dict) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    requests = report.get("requests")
    if requests:
        days = requests["per_day"]
        out["per_day"] = charts.grouped_bars(
            "chart-per-day", _("Requests per day"), [d["day"] for d in days],
            [(_("Requests received"), [d["received"] for d in days]),
             (_("Requests answered"), [d["answered"] for d in days]),
             (_("Requests overdue"), [d["overdue"] for d in days])])
        out["per_channel"] = charts.horizontal_bars(
            "chart-per-channel", _("Requests received per channel"),
            [(channel_label(c["channel"]), c.get("received", 0)) for c in requests["per_channel"]])
        out["queue"] = charts.horizontal_bars("chart-queue", _("Open requests by profile"),
                                              [(lane_label(k), v) for k, v in requests["queue_by_profile"].items()])
    if report.get("calls"):
        out["calls"] = charts.horizontal_bars("chart-calls", _("Calls by outcome"),
                                              [(outcome_label(k), v) for k, v in report["calls"]["by_outcome"].items()])
    return out


@blueprint.get("/reports")
def page():
    try:
        period = _period()
    except figures.PeriodError as exc:
        return render_template("reports/reports.html", report=None, charts={}, error=exc, args=request.args,
                               channels=figures.channel_choices(), csv_url=None, outcome_label=outcome_label,
                               lane_label=lane_label), 400
    report = figures.build(period)
    csv_url = url_for("reports.csv_export", **{"from": report["from"], "to": report["to"],
                                                "channel": report["channel"] or ""})
    return render_template("reports/reports.html", report=report, charts=draw(report), error=None,
                           args={"from": report["from"], "to": report["to"], "channel": report["channel"] or ""},
                           channels=figures.channel_choices(report), csv_url=csv_url, outcome_label=outcome_label,
                           lane_label=lane_label)


@blueprint.get("/reports.csv")
def csv_export():
    try:
        period = _period()
    except figures.PeriodError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    report = figures.build(period)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(figures.csv_rows(report))
    name = f"sep-report-{report['from']}-{report['to']}{'-' + report['channel'] if report['channel'] else ''}.csv"
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def desk_link(user) -> list[Markup]:
    if not getattr(user, "is_authenticated", False) or user.role not in ROLES:
        return []
    return [Markup('<p class="desk-reports-link"><a href="{}">{}</a></p>').format(url_for("reports.page"),
                                                                                   _("Reports"))]
