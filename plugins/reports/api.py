"""``GET /api/v1/reports/summary``: the report of ``/desk/reports`` as JSON, for a reporting
warehouse — staff of the desk with a session, or an API token with ``reports:read``."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from flask_login import current_user

from sep_core import API_PREFIX, ApiError, api_doc, require_scope

from . import figures
from .views import ROLES

api = Blueprint("reports_api", __name__, url_prefix=API_PREFIX + "/reports")

DAY = re.compile(r"(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}")
DAY_SCHEMA = {"type": "string", "format": "date", "pattern": "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"}


@api.get("/summary")
@require_scope("reports:read")
@api_doc("The centre's figures for a period (Moscow dates; default the last 14 days): requests received, "
         "answered and overdue per day and channel, deadline compliance, answer times, the open queue; the "
         "consultant's and the calls' figures when those plugins are enabled — what /desk/reports draws",
         tags=["reports"],
         parameters=[{"name": "from", "in": "query", "required": False, "schema": DAY_SCHEMA,
                      "example": "2026-12-01"},
                     {"name": "to", "in": "query", "required": False, "schema": DAY_SCHEMA, "example": "2026-12-07"},
                     {"name": "channel", "in": "query", "required": False,
                      "schema": {"type": "string", "pattern": "^[a-z0-9_]{1,40}$"}}],
         responses={200: {"description": "The report", "content": {"application/json": {
             "schema": {"type": "object", "required": ["from", "to"], "properties": {
                 "from": {"type": "string"}, "to": {"type": "string"}, "channel": {"type": ["string", "null"]},
                 "requests": {"type": "object"}, "bot": {"type": "object"}, "calls": {"type": "object"}}},
             "example": {"from": "2026-12-01", "to": "2026-12-07", "channel": None,
                         "requests": {"per_day": [{"day": "2026-12-01", "received": 40, "answered": 38,
                                                   "overdue": 1}], "...": "..."}}}}},
             400: "Invalid period (invalid_period): not YYYY-MM-DD, start after end, over 366 days, unknown channel",
             401: "No valid token or session", 403: "Not staff of the desk, or the token's scope"})
def summary():
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Sign in, or send an API token.")
    if current_user.role not in ROLES:
        raise ApiError(403, "forbidden", "Only staff of the request desk (duty, specialist, admin).")
    args = request.args
    for name in ("from", "to"):
        if name in args and not DAY.fullmatch(args[name]):
            raise ApiError(400, "invalid_period", f"'{name}' must be a date YYYY-MM-DD between 2000 and 2100.",
                           {"field": name})
    try:
        period = figures.parse_period(args.get("from"), args.get("to"), args.get("channel"))
    except figures.PeriodError as exc:
        raise ApiError(400, "invalid_period", str(exc), {"field": exc.field}) from None
    except OverflowError:
        raise ApiError(400, "invalid_period", "The period is out of range.") from None
    return jsonify(figures.build(period))
