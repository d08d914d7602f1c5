"""Pages: the staff list of SMS with their delivery status (``/staff/sms``), and the endpoint
where SMS.ru posts status changes (``/hooks/sms/smsru/<token>``)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request, url_for
from flask import render_template as render
from flask_login import current_user

from sep_core import OutboxMessage, audit, constant_time_equals, csrf, db, plugin_settings, raw_text
from sep_core import gettext as _
from sep_core import lazy_gettext as _l

from . import receipts, smsru
from .models import STATUSES

log = logging.getLogger("sep.sms_gateway")

blueprint = Blueprint("sms_gateway", __name__, template_folder="templates")

#: Roles that answer citizens ("I got no code") and so may see delivery statuses.
VIEWER_ROLES = ("duty", "specialist", "admin")
PAGE_SIZE = 100
STATUS_LABELS = {
    "submitted": _l("accepted by the gateway"),
    "delivered": _l("delivered"),
    "expired": _l("expired"),
    "failed": _l("not delivered"),
    "unknown": _l("unknown"),
}


def _may_view(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in VIEWER_ROLES


def nav_items(user) -> list[tuple[str, str, int]]:
    return [(_("SMS"), url_for("sms_gateway.staff_sms"), 70)] if _may_view(user) else []


@blueprint.get("/staff/sms")
def staff_sms():
    if not getattr(current_user, "is_authenticated", False):
        abort(401)
    if not _may_view(current_user):
        abort(403)
    status = request.args.get("status", "")
    status = status if status in STATUSES else None
    rows = receipts.recent(PAGE_SIZE, status)
    failed = db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.kind == "sms", OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc()).limit(20)).scalars().all()
    waiting = db.session.execute(
        db.select(db.func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.kind == "sms", OutboxMessage.status.in_(("pending", "sending")))).scalar_one()
    audit(current_user, "list", "sms_messages", status or "", "staff list of SMS delivery statuses")
    db.session.commit()
    return render("sms_gateway/staff_sms.html", rows=rows, failed=failed, waiting=waiting,
                  counts=receipts.counts(), statuses=STATUSES, labels=STATUS_LABELS, status=status,
                  backend=plugin_settings("sms_gateway")["backend"])


@blueprint.post("/hooks/sms/smsru/<token>")
@csrf.exempt
@raw_text  # a provider's batch: a malformed line (NUL included) is skipped, the rest recorded
def smsru_callback(token: str):
    """SMS.ru posts ``data[]`` status lines here and expects ``100``. The secret token in the
    path is the only proof the post is SMS.ru's, so without one configured the URL does not
    exist."""
    expected = str(plugin_settings("sms_gateway")["http_callback_token"] or "")
    if not expected or not constant_time_equals(token, expected):
        abort(404)
    entries = smsru.parse_callback(request.form.getlist("data[]"))
    for sms_id, code, at in entries:
        receipts.record_status("http", sms_id, smsru.message_status(code), str(code), at=at)
    db.session.commit()
    log.info("SMS.ru callback: %d status(es)", len(entries))
    return Response("100", mimetype="text/plain")
