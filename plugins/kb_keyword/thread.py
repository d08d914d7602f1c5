"""The conversation on ``/ask``: turns kept in the page (a hidden field), not in a cookie or a URL.

A turn is what the citizen asked and what the consultant did with it (the decision's kind and the
entries shown). The page re-renders earlier turns from this compact form: questions are re-matched
without logging (a millisecond each) so fragments stay highlighted. The thread comes back from the
browser, so it is validated like any input: bounded size, known kinds, integer ids; an entry that is
no longer published simply disappears from its turn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sep_core import Answer, db

from .engine import engine
from .matching import best_fragment
from .models import KbEntry

KINDS = ("answer", "clarify", "request")
MAX_TURNS = 8
"""Earlier turns kept in the page (older ones drop off)."""
MAX_THREAD_CHARS = 24_000
MAX_CHOICES = 3


@dataclass
class Turn:
    question: str
    kind: str
    ids: list[int] = field(default_factory=list)
    token: str | None = None
    """The question's handle in the log: rating, picking a choice and "none of these" name the turn by it."""
    picked: bool = False
    """The citizen picked this answer among the choices of an earlier turn."""
    rating: int = 0
    """1 helpful, -1 not helpful (then the request form is offered), 0 not rated."""
    none: bool = False
    """The citizen said none of the choices fits (then the request form is offered)."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"q": self.question, "k": self.kind, "ids": self.ids}
        for key, value in (("t", self.token), ("p", int(self.picked)), ("r", self.rating), ("n", int(self.none))):
            if value:
                out[key] = value
        return out


def parse(raw: Any) -> list[Turn]:
    """Turns from the hidden field; anything malformed is dropped, never an error (it is only context)."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_THREAD_CHARS:
        return []
    try:
        items = json.loads(raw)
    except ValueError:
        return []
    turns = []
    for item in items if isinstance(items, list) else []:
        turn = _turn(item)
        if turn is not None:
            turns.append(turn)
    return turns[-MAX_TURNS:]


def _turn(item: Any) -> Turn | None:
    if not isinstance(item, dict):
        return None
    question, kind, ids, token = item.get("q"), item.get("k"), item.get("ids") or [], item.get("t")
    if not isinstance(question, str) or not question.strip() or len(question) > 2000 or kind not in KINDS:
        return None
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return None
    if token is not None and (not isinstance(token, str) or len(token) > 64):
        token = None
    rating = item.get("r") if item.get("r") in (1, -1) else 0
    return Turn(question.strip(), kind, ids[:MAX_CHOICES], token, bool(item.get("p")), rating, bool(item.get("n")))


def find(turns: list[Turn], token: str, kind: str | None = None) -> Turn | None:
    """The latest turn with this handle (and kind): a picked answer shares its question's handle."""
    for turn in reversed(turns):
        if token and turn.token == token and (kind is None or turn.kind == kind):
            return turn
    return None


def dump(turns: list[Turn]) -> str:
    """The hidden field's value (the most recent turns that fit)."""
    kept = turns[-MAX_TURNS:]
    value = json.dumps([t.to_json() for t in kept], ensure_ascii=False)
    while len(value) > MAX_THREAD_CHARS and kept:
        kept = kept[1:]
        value = json.dumps([t.to_json() for t in kept], ensure_ascii=False)
    return value


def decision_of(payload: dict[str, Any]) -> tuple[str, list[int]]:
    """The decision of a ``service.ask`` payload as (kind, ids shown)."""
    decision = payload.get("decision") or {}
    kind = decision.get("kind")
    if kind in KINDS:
        return kind, [a["id"] for a in decision.get("shown") or []][:MAX_CHOICES]
    if payload.get("answer"):
        return "answer", [payload["answer"]["id"]]
    if payload.get("alternatives"):
        return "clarify", [a["id"] for a in payload["alternatives"][:MAX_CHOICES]]
    return "request", []


def entry_answers(question: str, ids: list[int], locale: str) -> list[Answer]:
    """The answers to show for ``ids`` (in that order), fragments chosen for ``question``; not logged.

    Entries the ranking still returns reuse its answer; others (e.g. picked after the base changed)
    get a fragment from the question's key words."""
    if not ids:
        return []
    eng = engine()
    ranked = {a.entry_id: a for a in eng.answers(question, locale, limit=10)}
    out = []
    for entry_id in ids:
        answer = ranked.get(entry_id) or _answer_for(eng, entry_id, question, locale)
        if answer is not None:
            out.append(answer)
    return out


def _answer_for(eng, entry_id: int, question: str, locale: str) -> Answer | None:
    entry = eng.entries.get(entry_id)
    index = eng.index_for(entry.locale if entry else locale)
    if entry is None or index is None:
        return None
    terms = set(index.analyze_query(question).terms)
    frag = best_fragment(entry.answer_text, terms, index.analyzer.stem, {t: index.idf(t) or 1.0 for t in terms})
    return Answer(source="kb_keyword", confidence=0.0, title=entry.question, fragment_html=frag.html,
                  fragment_text=frag.text, entry_id=entry.id, external_id=entry.external_id,
                  url=f"/ask/entry/{entry.id}",
                  extra={"whole": frag.whole, "category": entry.category, "answer_html": eng.html(entry),
                         "answer_text": entry.answer_text, "copy_text": eng.copy_text(entry)})


def is_published(entry_id: Any) -> bool:
    try:
        entry = db.session.get(KbEntry, int(entry_id))
    except (TypeError, ValueError):
        return False
    return entry is not None and entry.status == "published"
