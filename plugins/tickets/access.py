"""Who may see what. Every lookup answers 404 for a request the caller may not see, so ids and
numbers reveal nothing."""

from __future__ import annotations

import re

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from sep_core import db

from .models import Attachment, Message, Ticket

DESK_ROLES = ("duty", "specialist", "admin")
NUMBER = re.compile(r"[0-9]{4}-[0-9]{6,12}")
MAX_ID = 2**31 - 1  # ids beyond the INTEGER column's range cannot exist (and would make the driver fail)


def valid_id(value: int) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ID


def is_desk_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in DESK_ROLES


def staff_can_see(user, ticket: Ticket) -> bool:
    """Admins and duty specialists see every request; a profile specialist sees the requests of
    their profiles and those assigned to them."""
    if not is_desk_user(user):
        return False
    if user.role in ("admin", "duty"):
        return True
    return ticket.assignee_id == user.id or bool(ticket.profile and ticket.profile in (user.profiles or []))


def can_see(user, ticket: Ticket) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (ticket.user_id is not None and ticket.user_id == user.id) or staff_can_see(user, ticket)


def ticket_by_number(number: str) -> Ticket | None:
    if not isinstance(number, str) or not NUMBER.fullmatch(number):
        return None
    return db.session.execute(select(Ticket).filter_by(number=number)).scalar_one_or_none()


def own_ticket_or_404(number: str) -> Ticket:
    ticket = ticket_by_number(number)
    if ticket is None or ticket.user_id is None or ticket.user_id != current_user.id:
        abort(404)
    return ticket


def desk_ticket_or_404(number: str) -> Ticket:
    ticket = ticket_by_number(number)
    if ticket is None or not staff_can_see(current_user, ticket):
        abort(404)
    return ticket


def attachment_or_404(attachment_id: int) -> tuple[Attachment, Ticket | None]:
    row = db.session.get(Attachment, attachment_id) if valid_id(attachment_id) else None
    if row is None:
        abort(404)
    if row.ticket_id is None:  # a pending upload: only its uploader
        if row.owner_id != current_user.id:
            abort(404)
        return row, None
    ticket = db.session.get(Ticket, row.ticket_id)
    if ticket is None or not can_see(current_user, ticket):
        abort(404)
    if row.message_id is not None:
        message = db.session.get(Message, row.message_id)
        if message is not None and message.internal and not staff_can_see(current_user, ticket):
            abort(404)
    return row, ticket


def visible_messages(ticket: Ticket, staff: bool) -> list[Message]:
    query = select(Message).filter_by(ticket_id=ticket.id).order_by(Message.id)
    if not staff:
        query = query.filter_by(internal=False)
    return list(db.session.execute(query).scalars())
