"""Staff replies to a chat and requests made from a chat."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from sep_core import ConversationalChannel, Inquiry, audit, conversations, current_state, db
from sep_core import gettext as _
from sep_core import lazy_gettext as _l

blueprint = Blueprint("social_desk", __name__)
STAFF_ROLES = ("duty", "specialist", "admin")
HISTORY_FOR_REQUEST = 10


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Answer in the chat"), validators=[DataRequired(_l("Write the answer.")),
                                                              Length(max=4000)])


class RequestForm(FlaskForm):
    subject = StringField(_l("Subject of the request"), validators=[DataRequired(_l("Write the subject.")),
                                                                    Length(max=200)])


def _staff() -> None:
    if not current_user.is_authenticated:
        abort(401)
    if current_user.role not in STAFF_ROLES:
        abort(403)


def _conversation(conversation_id: int) -> conversations.Conversation:
    conversation = db.session.get(conversations.Conversation, conversation_id) if 0 < conversation_id < 2**31 \
        else None
    if conversation is None:
        abort(404)
    return conversation


def _channel(conversation) -> ConversationalChannel | None:
    channel = current_state().channels.get(conversation.channel)
    return channel if isinstance(channel, ConversationalChannel) else None


def _back(conversation):
    return redirect(url_for("sep_conversations.staff_conversation", conversation_id=conversation.id))


def refusal(conversation) -> str | None:
    """Why staff cannot write to this chat now (None: they can)."""
    if _channel(conversation) is None:
        return _("This channel is not enabled, so nothing can be sent to the chat.")
    if conversation.status != conversations.OPEN:
        return _("The citizen's chat does not accept messages now (blocked or closed).")
    return None


@blueprint.post("/staff/social/<int:conversation_id>/reply")
def reply(conversation_id: int):
    _staff()
    conversation = _conversation(conversation_id)
    form = ReplyForm(prefix="social-reply")
    if not form.validate_on_submit():
        flash(_("Write the answer (at most 4000 characters)."), "error")
        return _back(conversation)
    reason = refusal(conversation)
    if reason:
        flash(reason, "error")
        return _back(conversation)
    channel = _channel(conversation)
    key = f"{channel.name}:staff:{conversation.id}:{secrets.token_hex(8)}"
    channel.say(conversation, form.body.data.strip(), "staff_reply", dedupe_key=key)
    audit(current_user, "reply", "social_conversation", conversation.id, "staff reply in a chat")
    db.session.commit()
    flash(_("The answer is queued for the chat."), "success")
    return _back(conversation)


@blueprint.post("/staff/social/<int:conversation_id>/request")
def make_request(conversation_id: int):
    _staff()
    conversation = _conversation(conversation_id)
    form = RequestForm(prefix="social-request")
    if not form.validate_on_submit():
        flash(_("Write the subject of the request."), "error")
        return _back(conversation)
    citizen = conversations.ticket_user(conversation)
    if citizen is None:
        flash(_("The chat is not linked to a citizen's confirmed account, so a request cannot be filed for them. "
                "Ask the citizen to send /link in the chat, or register the request by hand."), "error")
        return _back(conversation)
    history = db.session.execute(db.select(conversations.Message).filter_by(conversation_id=conversation.id,
                                                                            direction="in")
                                 .order_by(conversations.Message.id.desc()).limit(HISTORY_FOR_REQUEST)).scalars()
    text = "\n".join(m.text for m in reversed(list(history)) if m.text) or form.subject.data
    inquiry = Inquiry(channel=conversation.channel, text=text[:4000], user_id=citizen.id,
                      meta={"conversation_id": conversation.id, "by_staff": current_user.id})
    ticket = current_state().pm.hook.sep_open_ticket(user=citizen, subject=form.subject.data.strip(), text=text,
                                                     channel=conversation.channel, inquiry=inquiry)
    if ticket is None:
        db.session.rollback()
        flash(_("No requests service accepted the request."), "error")
        return _back(conversation)
    number = str(getattr(ticket, "number", None) or (ticket.get("number") if isinstance(ticket, dict) else ticket))
    ticket_id = str(getattr(ticket, "id", None) or (ticket.get("id") if isinstance(ticket, dict) else number))
    db.session.add(conversations.TicketLink(conversation_id=conversation.id, ticket_id=ticket_id[:60],
                                            ticket_number=number[:60]))
    channel = _channel(conversation)
    if channel is not None and conversation.status == conversations.OPEN:
        with conversations.in_citizen_locale(citizen):
            note = _("We have registered your request %(number)s. Staff will answer here and in your personal "
                     "cabinet.", number=number)
        channel.say(conversation, note, "ticket", dedupe_key=f"{channel.name}:staff-ticket:{conversation.id}:{number}")
    audit(current_user, "ticket_from_chat", "social_conversation", conversation.id, f"request {number}")
    db.session.commit()
    flash(_("Request %(number)s is filed from the chat.", number=number), "success")
    return _back(conversation)


def panel(conversation, user) -> list[Markup]:
    if not getattr(user, "is_authenticated", False) or user.role not in STAFF_ROLES:
        return []
    html = render_template("social_desk/panel.html", conversation=conversation, reason=refusal(conversation),
                           reply_form=ReplyForm(prefix="social-reply"),
                           request_form=RequestForm(prefix="social-request"),
                           can_file=conversations.ticket_user(conversation) is not None)
    return [Markup(html)]  # noqa: S704 - an autoescaped template
