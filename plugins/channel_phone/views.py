"""The call journal on the desk: ``/desk/calls`` (log a call, the journal, the callback list), the
caller card ``/desk/calls/<id>``, the number look-up and the operator's current call."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from sep_core import User, audit, db, plugin_settings
from sep_core import gettext as _
from sep_core import lazy_gettext as _l

from . import journal
from .forms import CallForm, CompleteForm, SimpleForm, parse_duration
from .models import Call

blueprint = Blueprint("channel_phone", __name__, url_prefix="/desk/calls", static_folder="static",
                      static_url_path="/static")
DESK_ROLES = ("duty", "specialist", "admin")
OUTCOME_LABELS = {"answered": _l("Call answered"), "request_created": _l("Request registered"),
                  "callback_needed": _l("Callback needed"), "missed": _l("Call missed"), "": _l("Not filled in")}


@blueprint.before_request
def only_desk_staff():
    if not (current_user.is_authenticated and current_user.role in DESK_ROLES):
        abort(403)
    for values in (request.args, request.form):
        if any("\x00" in v for v in values.values()):
            abort(400)


def outcome_choices(with_missed: bool = False) -> list[tuple[str, str]]:
    keys = ("answered", "request_created", "callback_needed") + (("missed",) if with_missed else ())
    return [("", _("— choose —"))] + [(k, str(OUTCOME_LABELS[k])) for k in keys]


def _names(calls) -> dict[int, str]:
    ids = {c.operator_id for c in calls} | {c.caller_id for c in calls} | {c.callback_by_id for c in calls}
    ids.discard(None)
    if not ids:
        return {}
    return {u.id: (u.full_name or u.email or str(u.id)) for u in
            db.session.execute(select(User).where(User.id.in_(ids))).scalars()}


def render_journal(form: CallForm | None = None, status: int = 200, errors=()):
    view = request.args.get("view", "journal")
    if view == "callbacks":
        calls = journal.callbacks()
    else:
        view = "journal"
        calls = list(db.session.execute(select(Call).order_by(Call.started_at.desc(), Call.id.desc())
                                        .limit(int(plugin_settings("channel_phone")["page_size"]))).scalars())
    if form is None:
        form = CallForm()
        form.phone.data = request.args.get("phone", "")[:40] or None
    form.outcome.choices = outcome_choices()
    audit(current_user, "calls_viewed", "call", view, reason=f"{len(calls)} calls")
    db.session.commit()
    return render_template("channel_phone/calls.html", form=form, calls=calls, view=view, names=_names(calls),
                           labels=OUTCOME_LABELS, errors=list(errors), from_utc=journal.from_utc,
                           action_form=SimpleForm(), callback_count=len(journal.callbacks())), status


@blueprint.get("")
@blueprint.get("/")
def calls():
    return render_journal()


@blueprint.post("")
@blueprint.post("/")
def log():
    form = CallForm()
    form.outcome.choices = outcome_choices()
    if not form.validate_on_submit():
        return render_journal(form, 400)
    try:
        journal.log_call(current_user, form.phone.data, form.topic.data, form.outcome.data,
                                parse_duration(form.duration.data or "0"), form.request_number.data or "",
                                form.note.data or "")
    except journal.CallError as exc:
        db.session.rollback()
        if exc.field:
            getattr(form, exc.field).errors = [str(exc)]
        return render_journal(form, 400, [] if exc.field else [str(exc)])
    db.session.commit()
    flash(_("The call is in the journal."), "success")
    return redirect(url_for("channel_phone.calls"))


@blueprint.get("/lookup")
def lookup():
    """The caller found by number, with their open requests (JSON for the form's look-up)."""
    phone = journal.normalise(request.args.get("phone", ""))
    if not phone:
        return jsonify({"error": {"code": "invalid_phone", "message": _("Enter the caller's phone number, e.g. "
                                                                         "+7 916 123-45-67.")}}), 400
    card = journal.caller_card(phone)
    audit(current_user, "caller_looked_up", "user", str(card["user_id"] or ""), reason="phone look-up")
    db.session.commit()
    return jsonify(card)


def _call_or_404(call_id: int) -> Call:
    call = db.session.get(Call, call_id) if 0 < call_id < 2**31 else None
    if call is None:
        abort(404)
    return call


def render_card(call: Call, form: CompleteForm | None = None, status: int = 200, errors=()):
    if form is None:
        form = CompleteForm(obj=call)
    form.outcome.choices = outcome_choices(with_missed=call.answered_at is None)
    card = journal.caller_card(call.phone)
    audit(current_user, "caller_card_viewed", "call", str(call.id))
    db.session.commit()
    return render_template("channel_phone/card.html", call=call, card=card, form=form, errors=list(errors),
                           labels=OUTCOME_LABELS, names=_names([call]), from_utc=journal.from_utc,
                           action_form=SimpleForm()), status


@blueprint.get("/<int:call_id>")
def card(call_id: int):
    return render_card(_call_or_404(call_id))


@blueprint.post("/<int:call_id>")
def complete(call_id: int):
    call = _call_or_404(call_id)
    form = CompleteForm()
    form.outcome.choices = outcome_choices(with_missed=call.answered_at is None)
    if not form.validate_on_submit():
        return render_card(call, form, 400)
    try:
        journal.complete(call, current_user, form.topic.data, form.outcome.data, form.request_number.data or "",
                         form.note.data or "")
    except journal.CallError as exc:
        db.session.rollback()
        return render_card(_call_or_404(call_id), form, 400, [str(exc)])
    db.session.commit()
    flash(_("The call is in the journal."), "success")
    return redirect(url_for("channel_phone.card", call_id=call.id))


@blueprint.post("/<int:call_id>/called-back")
def called_back(call_id: int):
    call = _call_or_404(call_id)
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        journal.called_back(call, current_user)
    except journal.CallError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Marked as called back."), "success")
    return redirect(url_for("channel_phone.calls", view="callbacks"))


@blueprint.get("/active")
def active():
    """The call the signed-in operator has just answered (polled by the desk to open its card)."""
    call = journal.active_for(current_user)
    if call is None:
        return jsonify({"call": None})
    card = journal.caller_card(call.phone)
    return jsonify({"call": {"id": call.id, "state": call.state, "phone": call.phone,
                             "url": url_for("channel_phone.card", call_id=call.id)},
                    "caller": {"known": card["known"], "name": card["name"],
                               "requests": len(card["requests"])}})


def desk_panel(user) -> list[Markup]:
    """The operator's current call and the callback count, on the request desk."""
    if not getattr(user, "is_authenticated", False) or user.role not in DESK_ROLES:
        return []
    html = render_template("channel_phone/_panel.html", call=journal.active_for(user),
                           callback_count=len(journal.callbacks()))
    return [Markup(html)]  # noqa: S704 - an autoescaped template
