"""The PBX webhook ``POST /hooks/phone``: call events in the shape of common computer-telephony
APIs (new call, answered, hangup), each signed with HMAC-SHA256; see docs/plugins/channel_phone.md.

The signature is checked on the raw body before it is parsed; a forged or stale event is a 403.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime

from flask import Blueprint, abort, jsonify, request

from sep_core import MOSCOW, clean_text, constant_time_equals, csrf, db, json_error, now, plugin_settings, raw_text

from . import journal
from .models import Call

log = logging.getLogger("sep.channel_phone")
blueprint = Blueprint("channel_phone_hooks", __name__)
MAX_BODY = 16 * 1024
EVENTS = ("call.new", "call.answered", "call.hangup")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What the PBX puts in X-Signature (documented so a PBX adapter can compute it)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return "sha256=" + digest


def authentic(secret: str, body: bytes) -> bool:
    timestamp = request.headers.get("X-Timestamp", "")[:20]
    if not timestamp.isdigit():
        return False
    skew = abs(now().timestamp() - int(timestamp))
    if skew > float(plugin_settings("channel_phone")["webhook_max_skew_seconds"]):
        return False
    return constant_time_equals(request.headers.get("X-Signature", ""), signature(secret, timestamp, body))


def _moment(value) -> datetime:
    if not value:
        return now()
    try:
        moment = datetime.fromisoformat(str(value)[:40])
    except ValueError:
        raise ValueError("'at' must be an ISO 8601 moment") from None
    return moment.replace(tzinfo=MOSCOW) if moment.tzinfo is None else moment.astimezone(MOSCOW)


@blueprint.post("/hooks/phone")
@csrf.exempt
@raw_text  # a PBX relays what callers' phones send: NUL and lone surrogates are removed, not refused
def event():
    secret = str(plugin_settings("channel_phone")["webhook_secret"] or "")
    if not secret:
        abort(404)
    if (request.content_length or 0) > MAX_BODY:
        return json_error(413, "too_large", "The event is too large.")
    body = request.get_data(cache=False)[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return json_error(413, "too_large", "The event is too large.")
    if not authentic(secret, body):
        log.warning("phone webhook: refused an event with a bad or stale signature")
        return json_error(403, "forbidden", "Bad or stale signature.")
    try:
        data = clean_text(json.loads(body))
        kind, call_id = data["event"], str(data["call_id"])[:100]
        at = _moment(data.get("at"))
    except (ValueError, KeyError, TypeError):
        return json_error(400, "invalid_event", "Expected JSON with 'event', 'call_id' and optional 'at'.")
    if kind not in EVENTS or not call_id:
        return json_error(400, "invalid_event", f"'event' must be one of {', '.join(EVENTS)}.")
    if kind == "call.new":
        call = journal.on_new(call_id, str(data.get("from") or ""), at)
    else:
        call = db.session.execute(db.select(Call).filter_by(pbx_call_id=call_id)).scalar_one_or_none()
        if call is None:
            return json_error(404, "unknown_call", "No such call: send call.new first.")
        if kind == "call.answered":
            journal.on_answered(call, journal.operator_for(str(data.get("operator") or "")), at)
        else:
            journal.on_hangup(call, at)
    db.session.commit()
    return jsonify({"ok": True, "call": call.id, "state": call.state, "outcome": call.outcome or None,
                    "next_open": journal.from_utc(call.next_open_at).isoformat() if call.next_open_at else None})
