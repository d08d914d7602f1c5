"""Pages of conversational channels: the citizen's linked chats (and the cabinet section), and the
staff conversations list and history (every conversational channel, whichever plugin owns it).

Mounted only when at least one conversational channel is enabled."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..audit import audit
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import OutboxMessage
from ..state import current_state
from . import linking
from .models import Conversation, Message, TicketLink

blueprint = Blueprint("sep_conversations", __name__)

PAGE_SIZE = 50


class IssueCodeForm(FlaskForm):
    action = HiddenField(default="issue")


class RedeemCodeForm(FlaskForm):
    code = StringField(_l("Code from the chat"), validators=[DataRequired(message=_l("Enter the code.")),
                                                            Length(max=20, message=_l("The code is too long."))])


class UnlinkForm(FlaskForm):
    conversation_id = IntegerField(validators=[DataRequired()])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    channel = StringField(validators=[Optional(), Length(max=40)])
    page = IntegerField(validators=[Optional()])


def channel_titles() -> dict[str, str]:
    """Titles of the enabled conversational channels, by name."""
    from .channel import ConversationalChannel

    return {name: channel.title or name for name, channel in current_state().channels.items()
            if isinstance(channel, ConversationalChannel)}


def _signed_in() -> bool:
    return bool(getattr(current_user, "is_authenticated", False))


def _to_login():
    if any(rule.rule == "/login" for rule in current_app.url_map.iter_rules()):
        return redirect("/login?next=" + request.path)
    abort(401)


# -- the citizen --------------------------------------------------------------------------------


@blueprint.route("/social/accounts", methods=["GET", "POST"])
def accounts():
    if not _signed_in():
        return _to_login()
    issue_form, redeem_form = IssueCodeForm(prefix="issue"), RedeemCodeForm(prefix="redeem")
    shown_code = None
    if request.method == "POST":
        if "issue-action" in request.form:
            if issue_form.validate_on_submit():
                shown_code = linking.issue_for_user(current_user)
                db.session.commit()
            else:
                flash(_("The form has expired. Please try again."), "error")
        elif redeem_form.validate_on_submit():
            outcome = linking.redeem_in_cabinet(current_user, redeem_form.code.data)
            db.session.commit()
            if outcome == "linked":
                flash(_("The chat is linked to your cabinet."), "success")
                return redirect(url_for("sep_conversations.accounts"))
            redeem_form.code.errors = [_("Too many wrong codes. Try again in an hour.") if outcome == "throttled"
                                       else _("This code is not valid or has expired.")]
    conversations = linking.linked_conversations(current_user)
    return render_template("sep/conversations/accounts.html", conversations=conversations, titles=channel_titles(),
                           issue_form=issue_form, redeem_form=redeem_form, unlink_form=UnlinkForm(),
                           shown_code=shown_code, minutes=_minutes()), (422 if redeem_form.errors else 200)


@blueprint.post("/social/accounts/unlink")
def unlink():
    if not _signed_in():
        return _to_login()
    form = UnlinkForm()
    if form.validate_on_submit() and linking.unlink(current_user, form.conversation_id.data):
        db.session.commit()
        flash(_("The chat is no longer linked to your cabinet."), "success")
    else:
        flash(_("Nothing to unlink."), "error")
    return redirect(url_for("sep_conversations.accounts"))


def _minutes() -> int:
    return linking.code_minutes()


def cabinet_section(user) -> list[Markup]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    linked = linking.linked_conversations(user)
    # render_template output is autoescaped HTML, so marking it safe is correct here
    return [Markup(render_template("sep/conversations/_cabinet_section.html", conversations=linked,  # noqa: S704
                                   titles=channel_titles()))]


#: Staff roles that read citizens' chats (personal data): the request desk's roles, not kb_editor.
STAFF_ROLES = ("duty", "specialist", "admin")


def nav_items(user) -> list[tuple[str, str]]:
    if user is not None and getattr(user, "is_authenticated", False) and user.role in STAFF_ROLES:
        return [(_("Social networks"), url_for("sep_conversations.staff_conversations"))]
    return []


# -- staff ------------------------------------------------------------------------------------


def _require_staff() -> None:
    if not _signed_in():
        abort(401)
    if current_user.role not in STAFF_ROLES:
        abort(403)


@blueprint.get("/staff/social")
def staff_conversations():
    _require_staff()
    form = FilterForm(request.args)
    form.validate()
    titles = channel_titles()
    channel = form.channel.data if form.channel.data in titles else None
    page = max(1, min(form.page.data or 1, 10_000)) if not form.page.errors else 1
    counts = (db.select(Message.conversation_id, db.func.count(Message.id).label("n"))
              .group_by(Message.conversation_id).subquery())
    query = (db.select(Conversation, counts.c.n).outerjoin(counts, counts.c.conversation_id == Conversation.id)
             .order_by(Conversation.last_message_at.desc(), Conversation.id.desc()))
    if channel:
        query = query.where(Conversation.channel == channel)
    rows = db.session.execute(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    failed = db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.kind.in_(list(titles)), OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc()).limit(20)).scalars().all()
    audit(current_user, "list", "social_conversations", channel or "", "staff list of social conversations")
    db.session.commit()
    return render_template("sep/conversations/staff_list.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE,
                           page=page, channel=channel, titles=titles, failed=failed,
                           failed_conversations=_conversations_of(failed))


def _conversations_of(messages: list[OutboxMessage]) -> dict[int, int]:
    found = {}
    for message in messages:
        try:
            found[message.id] = int(message.payload.get("conversation_id") or 0)
        except (ValueError, TypeError, AttributeError):
            found[message.id] = 0
    return found


@blueprint.get("/staff/social/<int:conversation_id>")
def staff_conversation(conversation_id: int):
    _require_staff()
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        abort(404)
    messages = db.session.execute(db.select(Message).filter_by(conversation_id=conversation.id)
                                  .order_by(Message.id)).scalars().all()
    keys = [m.dedupe_key for m in messages if m.dedupe_key]
    deliveries = {row.dedupe_key: row for row in db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.dedupe_key.in_(keys))).scalars()} if keys else {}
    tickets = db.session.execute(db.select(TicketLink).filter_by(conversation_id=conversation.id)).scalars().all()
    audit(current_user, "view", "social_conversation", conversation.id, "staff view of a social conversation")
    db.session.commit()
    return render_template("sep/conversations/staff_conversation.html", conversation=conversation, messages=messages,
                           deliveries=deliveries, tickets=tickets, titles=channel_titles())
