"""The inquiry pipeline (DESIGN.md section 4), the same for every channel.

availability("bot") -> answers -> route -> log -> event. It does no disk reads of its own: the
answerers keep their indexes in memory.
"""

from __future__ import annotations

from flask import current_app

from .clock import now, utcnow_naive
from .domain import Answer, Availability, Inquiry, InquiryResult, Route, RouteAction
from .extensions import db
from .models import InquiryLog

MAX_INQUIRY_CHARS = 4000


def availability(service: str, at=None) -> Availability:
    """Combine every plugin's verdict: closed if any says closed; the first closed verdict
    (in plugin order) gives the reason; otherwise the first open verdict that says most."""
    at = at or now()
    verdicts = [v for v in current_app.extensions["sep"].pm.hook.sep_availability(service=service, at=at) if v]
    closed = [v for v in verdicts if not v.open]
    if closed:
        return closed[0]
    informative = [v for v in verdicts if v.next_close or v.next_open or v.reason not in ("", "open")]
    return (informative or verdicts or [Availability(service=service, open=True, reason="open")])[0]


def collect_answers(inquiry: Inquiry) -> list[Answer]:
    """Every answerer's candidates, best first (stable for equal confidence)."""
    results = current_app.extensions["sep"].pm.hook.sep_answer(inquiry=inquiry)
    answers = [a for group in results for a in (group or [])]
    answers.sort(key=lambda a: a.confidence, reverse=True)
    return answers


def decide_route(inquiry: Inquiry, answers: list[Answer], verdict: Availability) -> Route:
    route = current_app.extensions["sep"].pm.hook.sep_route(
        inquiry=inquiry, answers=answers, availability=verdict)
    return route or Route(action=RouteAction.TICKET, queue="duty", reason="no_route")


def handle_inquiry(inquiry: Inquiry, *, commit: bool = True) -> InquiryResult:
    """Answer or route one inquiry and log it. With ``commit=False`` the caller's transaction
    also holds the log row (a webhook stores its event and the reply together). An anonymous
    inquiry with ``commit=True`` is logged through the log buffer where it is on: no round trip
    to the database on the request's clock (``Inquiry.log_deferred``)."""
    inquiry.text = (inquiry.text or "")[:MAX_INQUIRY_CHARS]
    inquiry.received_at = inquiry.received_at or now()
    verdict = availability("bot", inquiry.received_at)
    answers = collect_answers(inquiry) if verdict.open else []
    route = decide_route(inquiry, answers, verdict)
    best = route.answer
    values = {
        "channel": inquiry.channel,
        "user_id": inquiry.user_id,
        "text": inquiry.text,
        "locale": inquiry.locale,
        "action": route.action.value,
        "answered": route.action == RouteAction.ANSWER,
        "confidence": best.confidence if best else (answers[0].confidence if answers else None),
        "answer_source": best.source if best else None,
        "answer_ref": str(best.external_id or best.entry_id) if best else None,
        "created_at": utcnow_naive(),
    }
    buffer = current_app.extensions["sep"].log_buffer
    if buffer is not None and commit and inquiry.user_id is None:
        # an anonymous question: written later with others (sep_core/logbuffer.py), id reserved now
        inquiry.id = buffer.next_id(InquiryLog.__table__)
        inquiry.log_deferred = True
        buffer.add(InquiryLog.__table__, {"id": inquiry.id, **values})
    else:
        row = InquiryLog(**values)
        db.session.add(row)
        db.session.flush()
        inquiry.id = row.id
    result = InquiryResult(inquiry=inquiry, availability=verdict, answers=answers, route=route)
    current_app.extensions["sep"].pm.hook.sep_on_inquiry(inquiry=inquiry, result=result)
    if commit:
        db.session.commit()
    return result
