"""Tables of the knowledge base, its revisions, the synonym dictionary and the consultant's log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sep_core import db, utcnow_naive

STATUSES = ("draft", "published")


class KbEntry(db.Model):
    """One knowledge-base entry: a question, its phrasings and key phrases, the answer (Markdown)."""

    __tablename__ = "kb_keyword_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    question: Mapped[str] = mapped_column(Text)
    phrasings: Mapped[list[str]] = mapped_column(JSON, default=list)
    keyphrases: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer_md: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(12), default="published", index=True)
    locale: Mapped[str] = mapped_column(String(8), default="ru", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    change_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    """The base's version that last changed this entry: workers index the entries changed since their
    shared index was built, and only those."""

    EDITABLE = ("external_id", "question", "phrasings", "keyphrases", "answer_md", "category", "status", "locale")

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.EDITABLE}


class KbRevision(db.Model):
    """A saved state of an entry: who changed it, when, the diff, and the full snapshot (rollback)."""

    __tablename__ = "kb_keyword_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_keyword_entries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    snapshot: Mapped[dict] = mapped_column(JSON)
    diff: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("entry_id", "number"),)


class KbSynonym(db.Model):
    """A group of phrases meaning the same (``ЭПТС`` = ``электронный паспорт транспортного средства``)."""

    __tablename__ = "kb_keyword_synonyms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phrases: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class KbState(db.Model):
    """One row: the base's version. Every change bumps it; each worker then indexes the changed entries
    (or, from ``rebuild_version`` on, loads or builds a whole new index)."""

    __tablename__ = "kb_keyword_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    rebuild_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """An index built before this version cannot be brought up to date entry by entry (synonyms changed,
    ``sep kb reindex``)."""
    token: Mapped[str | None] = mapped_column(String(32))
    """Random, set with the row: index files of another database (same version numbers) are not used."""


class KbQuestion(db.Model):
    """A question asked of the consultant, without personal data (digits, e-mails, names scrubbed)."""

    __tablename__ = "kb_keyword_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    """A random handle given to the asker: rating, saving and e-mailing refer to it."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)
    channel: Mapped[str] = mapped_column(String(40), default="web")
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    question: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(400), default="")
    answered: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("kb_keyword_entries.id", ondelete="SET NULL"), index=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    """1 helpful, -1 not helpful, None not rated."""
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    """Staff turned it into a phrasing or an entry."""


class KbSaved(db.Model):
    """An answer a signed-in citizen saved to the personal cabinet."""

    __tablename__ = "kb_keyword_saved"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_keyword_entries.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)

    __table_args__ = (UniqueConstraint("user_id", "entry_id"),)


class KbMailLog(db.Model):
    """When an answer was e-mailed and from which (hashed) client address: the rate limit."""

    __tablename__ = "kb_keyword_mail_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)
