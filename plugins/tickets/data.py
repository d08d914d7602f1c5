"""The citizen's requests in "download my data", and erasure when the account is deleted."""

from __future__ import annotations

from sqlalchemy import select

from sep_core import db

from . import storage
from .models import Attachment, Message, Notification, Ticket


def export(user) -> dict:
    tickets = db.session.execute(select(Ticket).filter_by(user_id=user.id).order_by(Ticket.id)).scalars().all()
    out = []
    for t in tickets:
        messages = db.session.execute(select(Message).filter_by(ticket_id=t.id, internal=False)
                                      .order_by(Message.id)).scalars().all()
        files = db.session.execute(select(Attachment).filter_by(ticket_id=t.id)).scalars().all()
        out.append({
            "number": t.number, "status": t.status, "subject": t.subject, "description": t.description,
            "contact": {"surname": t.surname, "first_name": t.first_name, "patronymic": t.patronymic,
                        "email": t.email, "phone": t.phone},
            "created_at": t.created_at.isoformat() + "Z",
            "messages": [{"kind": m.kind, "body": m.body, "at": m.created_at.isoformat() + "Z"} for m in messages],
            "attachments": [{"filename": f.filename, "size": f.size, "sha256": f.sha256} for f in files],
        })
    return {"requests": out}


def erase(user, retention: str) -> None:
    """"delete": the requests, their threads and files go; "anonymise": the requests stay for the
    statistics without personal data (contacts, texts and files are removed)."""
    tickets = db.session.execute(select(Ticket).filter_by(user_id=user.id)).scalars().all()
    files = list(db.session.execute(select(Attachment).where(
        (Attachment.owner_id == user.id) | Attachment.ticket_id.in_([t.id for t in tickets] or [-1]))).scalars())
    for row in files:
        db.session.delete(row)
    for notification in db.session.execute(select(Notification).filter_by(user_id=user.id)).scalars():
        db.session.delete(notification)
    for ticket in tickets:
        if retention == "delete":
            db.session.delete(ticket)
            continue
        for message in db.session.execute(select(Message).filter_by(ticket_id=ticket.id)).scalars():
            message.body = ""
        ticket.user_id = None
        ticket.surname = ticket.first_name = ticket.patronymic = ticket.email = ticket.phone = ""
        ticket.description = ""
        ticket.subject = "—"
    db.session.flush()
    storage.discard(files)  # files go once the rows are gone (the caller commits)
