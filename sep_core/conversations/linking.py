"""Linking a social account to a personal cabinet with a one-time code, in either direction.

- Cabinet -> chat: the cabinet shows a code; the citizen sends it in the chat (``/link ABCD-EFGH``
  or just ``ABCD-EFGH``).
- Chat -> cabinet: the citizen sends ``/link`` in the chat; the reply carries a code to type in
  the cabinet.

Codes are 8 characters from a 32-letter alphabet (40 bits), kept only as an HMAC, valid for a few
minutes, single-use, and wrong attempts are limited per chat and per account.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from ..clock import utcnow_naive
from ..extensions import db
from ..models import User
from .models import Conversation, LinkCode, LinkFailure

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_COMMAND = re.compile(r"^\s*(/start|/link|link|привязать|код|code)?(?:@\w+)?\s*[:\-]?\s*([A-Za-z0-9-]{0,12})\s*$",
                      re.IGNORECASE)


@dataclass
class Command:
    word: str
    code: str

    @property
    def redacted(self) -> str:
        """What is kept in the conversation (never the code itself)."""
        return f"{self.word} ********".strip() if self.code else self.word


def parse_command(text: str) -> Command | None:
    """A linking command, ``/start``, or a bare code; None for an ordinary question."""
    match = _COMMAND.match(text or "")
    if not match:
        return None
    word, rest = (match.group(1) or "").lower(), match.group(2) or ""
    code = normalize(rest)
    if word:
        if rest and code is None:
            return None  # "код 12" is a question, not a command
        return Command(word=word, code=code or "")
    if code is not None and ("-" in rest or any(ch.isdigit() for ch in code)):
        return Command(word="", code=code)
    return None


def normalize(raw: str) -> str | None:
    code = (raw or "").replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


_SHOWN_CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b")


def redact(text: str) -> str:
    """The text with any code in it masked (what staff may see of a code message)."""
    return _SHOWN_CODE.sub("****-****", text)


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"channel_social-link:" + code.encode(), hashlib.sha256).hexdigest()


def _ttl() -> timedelta:
    return timedelta(minutes=code_minutes())


def code_minutes() -> int:
    """How long a linking code lives (``SEP_CHAT_LINK_CODE_MINUTES``)."""
    return int(current_app.config["SEP_CHAT_LINK_CODE_MINUTES"])


def _issue(**owner) -> str:
    now = utcnow_naive()
    for column, value in owner.items():  # one live code per owner
        db.session.execute(db.update(LinkCode).where(getattr(LinkCode, column) == value, LinkCode.used_at.is_(None))
                           .values(used_at=now))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    db.session.add(LinkCode(code_hash=_hash(code), created_at=now, expires_at=now + _ttl(), **owner))
    db.session.flush()
    return display(code)


def issue_for_user(user: User) -> str:
    return _issue(user_id=user.id)


def issue_for_conversation(conversation: Conversation) -> str:
    return _issue(conversation_id=conversation.id)


def _throttled(**owner) -> bool:
    limit = int(current_app.config["SEP_CHAT_LINK_ATTEMPTS_PER_HOUR"])
    since = utcnow_naive() - timedelta(hours=1)
    column, value = next(iter(owner.items()))
    count = db.session.execute(db.select(db.func.count()).select_from(LinkFailure)
                               .where(getattr(LinkFailure, column) == value, LinkFailure.at >= since)).scalar_one()
    return count >= limit


def _take(code: str | None, owner_column: str) -> LinkCode | None:
    if code is None:
        return None
    row = db.session.execute(db.select(LinkCode).filter_by(code_hash=_hash(code))).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at < utcnow_naive():
        return None
    if getattr(row, owner_column) is None:  # a code meant for the other direction
        return None
    row.used_at = utcnow_naive()
    return row


def link(conversation: Conversation, user: User) -> None:
    conversation.user_id = user.id
    conversation.linked_at = utcnow_naive()


def redeem_in_chat(conversation: Conversation, raw_code: str) -> str:
    """The chat typed a cabinet code: 'linked', 'invalid' or 'throttled'."""
    if _throttled(conversation_id=conversation.id):
        return "throttled"
    row = _take(normalize(raw_code), "user_id")
    user = db.session.get(User, row.user_id) if row is not None else None
    if user is None or not user.active:
        db.session.add(LinkFailure(conversation_id=conversation.id, at=utcnow_naive()))
        return "invalid"
    link(conversation, user)
    return "linked"


def redeem_in_cabinet(user: User, raw_code: str) -> str:
    """The cabinet typed a chat code: 'linked', 'invalid' or 'throttled'."""
    if _throttled(user_id=user.id):
        return "throttled"
    row = _take(normalize(raw_code), "conversation_id")
    conversation = db.session.get(Conversation, row.conversation_id) if row is not None else None
    if conversation is None:
        db.session.add(LinkFailure(user_id=user.id, at=utcnow_naive()))
        return "invalid"
    link(conversation, user)
    return "linked"


def linked_conversations(user: User) -> list[Conversation]:
    return list(db.session.execute(db.select(Conversation).filter_by(user_id=user.id)
                                   .order_by(Conversation.linked_at)).scalars())


def unlink(user: User, conversation_id: int) -> bool:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.user_id != user.id:
        return False
    conversation.user_id = None
    conversation.linked_at = None
    return True
