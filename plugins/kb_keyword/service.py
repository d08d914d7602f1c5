"""The consultant's flow used by the page, the API and the CLI: ask, rate, save, e-mail, log."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import timedelta
from typing import Any

from flask import current_app, request

from sep_core import (
    Answer,
    Inquiry,
    InquiryResult,
    Route,
    RouteAction,
    availability,
    db,
    flush_logs,
    handle_inquiry,
    log_row,
    ngettext,
    plugin_settings,
    send_mail,
    utcnow_naive,
)
from sep_core import gettext as _

from .content import scrub
from .decision import ANSWER, CLARIFY, Decision
from .engine import PLUGIN, engine
from .models import KbEntry, KbMailLog, KbQuestion, KbSaved

MAX_QUESTION = 2000
_MEANINGFUL = re.compile(r"[0-9A-Za-zА-Яа-яЁё]")


class AskError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def clean_question(value: Any) -> str:
    if not isinstance(value, str):
        raise AskError("invalid_question", _("The question must be text."))
    value = "".join(ch for ch in value if ch.isprintable() or ch in "\n\t").strip()
    if not value:
        raise AskError("empty_question", _("Please type a question."))
    if len(value) > MAX_QUESTION:
        raise AskError("question_too_long", _("The question is too long: at most %(n)d characters.", n=MAX_QUESTION))
    return value


def answer_json(a: Answer) -> dict[str, Any]:
    return {"id": a.entry_id, "external_id": a.external_id, "title": a.title, "fragment_html": a.fragment_html,
            "fragment_text": a.fragment_text, "confidence": a.confidence, "url": a.url,
            "whole": bool(a.extra.get("whole")), "answer_html": a.extra.get("answer_html", ""),
            "answer_text": a.extra.get("answer_text", ""),
            "copy_text": a.extra.get("copy_text") or f"{a.title}\n\n{a.extra.get('answer_text', '')}"}


def request_link(question: str = "") -> str:
    """The request form's address. The question does not go into it (personal data stay out of
    URLs and access logs): the page's button posts it to ``/ask/request``, which keeps it as the
    session's request draft (``sep_core.drafts``) and opens this address."""
    return plugin_settings(PLUGIN)["request_url"]


def route(inquiry: Inquiry, answers: list[Answer], verdict) -> Route | None:
    """``sep_route``: follow the consultant's decision when its answer leads the candidates.

    Abstains (None: the core's threshold rule decides) when the bot is closed, when this plugin did
    not answer the inquiry, or when another answerer's candidate ranks first."""
    decision = inquiry.meta.get("kb_decision")
    if not verdict.open or not isinstance(decision, Decision) or not answers or answers[0].source != PLUGIN:
        return None
    if decision.kind == ANSWER:
        return Route(RouteAction.ANSWER, answer=answers[0], reason="confident", decided_by=PLUGIN)
    reason = "clarify" if decision.kind == CLARIFY else "low_confidence"
    return Route(RouteAction.TICKET, queue="duty", reason=reason, decided_by=PLUGIN)


_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")


def question_locale(text: str, locale: str) -> str:
    """The base to search: a question typed in Russian is answered from the Russian base whatever the
    page's language (a Russian question in the English UI gets an answer, issue 17)."""
    if locale != "ru" and len(_CYRILLIC.findall(text)) > len(_LATIN.findall(text)):
        return "ru"
    return locale


def ask(question: Any, *, channel: str = "web", locale: str = "ru", user_id: int | None = None,
        log: bool = True) -> dict[str, Any]:
    """Answer a question: the JSON of ``POST /api/v1/ask`` (the page renders the same dict).

    ``decision`` says what the citizen is shown: ``{"kind": "answer"|"clarify"|"request",
    "shown": [answer JSON, ...], "confidence"}`` (one entry, up to three choices, or none)."""
    text = clean_question(question)
    locale = question_locale(text, locale)
    alternatives_n = int(plugin_settings(PLUGIN)["alternatives"])
    if not _MEANINGFUL.search(text):
        verdict = availability("bot")
        return {"answered": False, "understood": False, "answer": None, "alternatives": [], "token": None,
                "found": 0, "summary": summary(0),
                "decision": Decision("request").to_json(),
                "message": _("I could not understand the question. Please write it in words."),
                "route": {"action": RouteAction.TICKET.value, "queue": "duty", "profile": None,
                          "reason": "not_understood", "request_url": request_link(text)},
                "availability": verdict.to_json()}
    if log:
        result: InquiryResult = handle_inquiry(Inquiry(channel=channel, text=text, user_id=user_id, locale=locale))
        answers = [a for a in result.answers if a.source == PLUGIN] or result.answers
        route, verdict = result.route, result.availability
        token = result.inquiry.meta.get("kb_token")
        decision = result.inquiry.meta.get("kb_decision")
    else:  # suggestions while typing: not logged
        verdict = availability("bot")
        inquiry = Inquiry(channel=channel, text=text, user_id=user_id, locale=locale)
        answers = engine().answers(text, locale, meta=inquiry.meta) if verdict.open else []
        decision = inquiry.meta.get("kb_decision")
        route = route_for(inquiry, answers, verdict)
        token = None
    answered = route.action == RouteAction.ANSWER and route.answer is not None
    best = route.answer if answered else None
    if not isinstance(decision, Decision) or not verdict.open:
        decision = Decision(ANSWER, (best.entry_id,), best.confidence) if best else Decision("request")
    others = [a for a in answers if best is None or a.entry_id != best.entry_id][:alternatives_n]
    by_id = {a.entry_id: a for a in answers}
    shown = [by_id[k] for k in decision.shown if k in by_id]
    if not verdict.open:
        message = verdict.message or _("The consultant is closed for maintenance.")
    elif answered:
        message = ""
    elif decision.kind == CLARIFY and shown:
        message = _("Maybe you are asking about…")
    else:
        message = _("I could not find an answer. Send a request and our staff will answer.")
    found = (1 if best else 0) + len(others)
    choosing = decision.kind == CLARIFY and bool(shown) and verdict.open
    return {
        "answered": answered, "understood": True, "token": token, "found": found,
        "summary": choices_summary(len(shown)) if choosing else summary(len(shown) if log else found),
        "answer": answer_json(best) if best else None,
        "alternatives": [answer_json(a) for a in others],
        "decision": decision.to_json([answer_json(a) for a in shown]),
        "message": message,
        "route": {**route.to_json(), "request_url": request_link(text) if not answered else None},
        "availability": verdict.to_json(),
    }


def route_for(inquiry: Inquiry, answers: list[Answer], verdict) -> Route:
    """The route of an unlogged question: the same hooks as a logged one, without the log."""
    route = current_app.extensions["sep"].pm.hook.sep_route(inquiry=inquiry, answers=answers, availability=verdict)
    return route or Route(RouteAction.TICKET, queue="duty", reason="no_route")


def choices_summary(n: int) -> str:
    """The status for screen readers when the consultant offers choices."""
    return ngettext("%(num)d possible answer: please choose", "%(num)d possible answers: please choose", n)


def pick(token: Any, entry_id: Any) -> KbEntry:
    """The citizen picked ``entry_id`` among the choices for the logged question ``token``: kept for the
    analytics (the question's entry), which also makes "helpful" / "not helpful" rate that entry."""
    entry = published_entry(entry_id)
    if isinstance(token, str) and token and len(token) <= 64:
        row = db.session.execute(db.select(KbQuestion).where(KbQuestion.token == token)).scalar_one_or_none()
        if row is not None and not row.answered:
            row.entry_id = entry.id
            db.session.commit()
    return entry


def summary(n: int) -> str:
    """A short status for screen readers: how many answers are shown."""
    if n == 0:
        return _("No answers found.")
    return ngettext("%(num)d answer found", "%(num)d answers found", n)


def log_inquiry(inquiry: Inquiry, result: InquiryResult) -> None:
    """``sep_on_inquiry``: keep the question (personal data scrubbed) for the staff analytics."""
    best = result.route.answer if result.route.action == RouteAction.ANSWER else None
    top = result.answers[0] if result.answers else None
    keywords = inquiry.meta.get("kb_keywords")
    if keywords is not None:  # analysed once by the answerer; numbers that could be personal data dropped
        keywords = [k for k in keywords if scrub(k) == k]
    else:
        index = engine().index_for(inquiry.locale or "ru")
        keywords = sorted(set(index.analyze_query(scrub(inquiry.text)).terms))[:8] if index is not None else []
    token = new_token()
    # a Core INSERT in the caller's transaction, or in the core's batch with the inquiry's own row
    log_row(KbQuestion, {
        "token": token, "created_at": utcnow_naive(), "channel": inquiry.channel[:40],
        "locale": (inquiry.locale or "ru")[:8], "question": scrub(inquiry.text), "keywords": " ".join(keywords)[:400],
        "answered": best is not None,
        "confidence": (best or top).confidence if (best or top) else None,
        "entry_id": best.entry_id if best is not None and best.source == PLUGIN else None,
        "rating": None, "handled": False,
    }, deferred=inquiry.log_deferred)
    inquiry.meta["kb_token"] = token


def rate(token: Any, helpful: Any) -> KbQuestion:
    if not isinstance(token, str) or not token or len(token) > 64:
        raise AskError("invalid_token", _("Unknown answer."))
    if not isinstance(helpful, bool):
        raise AskError("invalid_rating", _("The rating must be helpful or not helpful."))
    row = _question_by_token(token)
    if row is None:
        raise AskError("invalid_token", _("Unknown answer."))
    row.rating = 1 if helpful else -1
    db.session.commit()
    return row


def _question_by_token(token: str) -> KbQuestion | None:
    """The logged question, also when it is still in a log buffer (sep_core/logbuffer.py): this
    worker's is flushed at once; another worker's within its interval, which is waited for once."""
    def find() -> KbQuestion | None:
        return db.session.execute(db.select(KbQuestion).where(KbQuestion.token == token)).scalar_one_or_none()

    row = find()
    if row is None and flush_logs():
        row = find()
    interval = min(float(current_app.config["SEP_LOG_BUFFER_SECONDS"]), 2.0)
    if row is None and current_app.extensions["sep"].log_buffer is not None and _issued_within(token, interval + 1):
        # only a genuine token of the last moments is waited for: a forged one costs no wait
        db.session.rollback()  # a fresh snapshot after the wait
        time.sleep(interval + 0.1)
        row = find()
    return row


def new_token() -> str:
    """A handle for a logged question: issue time (hex seconds), 144 random bits, and a MAC of both
    (so the rating path can tell a fresh genuine token from a forged one without the database)."""
    body = f"{int(time.time()):08x}{secrets.token_urlsafe(18)}"
    return body + _token_mac(body)


def _token_mac(body: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"kb-token:" + body.encode(), hashlib.sha256).hexdigest()[:10]


def _issued_within(token: str, seconds: float) -> bool:
    body, mac = token[:-10], token[-10:]
    if len(token) != 42 or not hmac.compare_digest(mac, _token_mac(body)):
        return False
    try:
        issued = int(body[:8], 16)
    except ValueError:
        return False
    return -1 <= time.time() - issued <= seconds


#: Largest id a database integer column holds (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1


def published_entry(entry_id: Any) -> KbEntry:
    try:
        entry_id = int(entry_id) if not isinstance(entry_id, bool) else 0
    except (TypeError, ValueError):
        raise AskError("invalid_entry", _("Unknown answer.")) from None
    if not 1 <= entry_id <= MAX_ID:  # a 25-digit id overflows the database driver
        raise AskError("invalid_entry", _("Unknown answer."))
    entry = db.session.get(KbEntry, entry_id)
    if entry is None or entry.status != "published":
        raise AskError("invalid_entry", _("Unknown answer."))
    return entry


def save_for(user, entry_id: Any) -> KbSaved:
    entry = published_entry(entry_id)
    saved = db.session.execute(db.select(KbSaved).where(KbSaved.user_id == user.id,
                                                        KbSaved.entry_id == entry.id)).scalar_one_or_none()
    if saved is None:
        saved = KbSaved(user_id=user.id, entry_id=entry.id, created_at=utcnow_naive())
        db.session.add(saved)
        db.session.commit()
    return saved


def saved_entries(user) -> list[tuple[KbSaved, KbEntry]]:
    rows = db.session.execute(
        db.select(KbSaved, KbEntry).join(KbEntry, KbEntry.id == KbSaved.entry_id)
        .where(KbSaved.user_id == user.id).order_by(KbSaved.created_at.desc(), KbSaved.id.desc())).all()
    return [(s, e) for s, e in rows]


def delete_saved(user, saved_id: int) -> bool:
    saved = db.session.get(KbSaved, saved_id)
    if saved is None or saved.user_id != user.id:
        return False
    db.session.delete(saved)
    db.session.commit()
    return True


def client_hash() -> str:
    raw = f"{request.remote_addr}|{current_app.config['SECRET_KEY']}"
    return hashlib.sha256(raw.encode()).hexdigest()


def email_answer(entry_id: Any, user, address: Any = None, code: Any = None) -> str:
    """Queue the whole answer to the citizen's own address through the outbox, rate-limited per
    client. Returns "sent", or "code_sent" when the address must first be confirmed with the
    code just mailed to it (mailto.py). Raises AskError / mailto.MailtoError."""
    from . import mailto

    entry = published_entry(entry_id)
    who = client_hash()
    target = mailto.recipient(user, address, code, who)
    if target is None:
        db.session.commit()  # the code's e-mail is in the outbox
        return "code_sent"
    limit = int(plugin_settings(PLUGIN)["mail_per_hour"])
    since = utcnow_naive() - timedelta(hours=1)
    sent = db.session.execute(db.select(db.func.count(KbMailLog.id)).where(
        KbMailLog.client_hash == who, KbMailLog.created_at >= since)).scalar()
    if sent >= limit:
        raise AskError("rate_limited", _("Too many e-mails from this address. Please try again in an hour."))
    from .content import plain_text, render_html

    site = current_app.config.get("SEP_SITE_NAME") or _("Support centre")
    body = f"{entry.question}\n\n{plain_text(entry.answer_md)}\n\n— {site}"
    html = f"<h3>{_escape(entry.question)}</h3>{render_html(entry.answer_md)}"
    send_mail(target, _("Answer: %(title)s", title=entry.question[:150]), body, html=html)
    db.session.add(KbMailLog(client_hash=who, created_at=utcnow_naive()))
    db.session.commit()
    return "sent"


def _escape(value: str) -> str:
    from markupsafe import escape

    return str(escape(value))
