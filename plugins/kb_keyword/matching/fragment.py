"""The best fragment of an answer: the passage with the most matched key words, highlighted.

An answer is cut into *units* before anything is chosen, so that a fragment is always readable:

- a numbered instruction (consecutive lines "1. …", "2) …") is one unit, shown with all its steps —
  the citizen needs the whole procedure, not step 2 alone;
- a line that introduces it ("Чтобы получить выписку:") or a heading (a short line without a full
  stop) is never shown alone: it joins the unit that follows;
- other lines are cut into sentences; a piece with no letters ("1.", "—") is glued to its neighbour.

The fragment is the window of consecutive units (up to ``max_chars``, a single unit may be longer)
with the most matched weight; ties go to the shorter, then the earlier window, and with no match at
all the answer's first unit is shown (answers start with the point).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape


def _norm(word: str) -> str:
    return word.lower().replace("ё", "е")


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"(A-ZА-ЯЁ0-9])")
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")
_LETTER = re.compile(r"[A-Za-zА-Яа-яЁё]")
_STEP = re.compile(r"^\s*(\d{1,3})[.)]\s+(\S.*)$")
_SENTENCE_STOP = re.compile(r"[.!?…]\s*$")
MAX_FRAGMENT = 400
MAX_STEPS_CHARS = 1600
"""A numbered instruction longer than this is cut after the last step that fits (with "…")."""
HEADING_CHARS = 80


@dataclass
class Fragment:
    text: str
    """Plain text; a numbered instruction keeps its numbers, one step per line."""
    html: str
    """Escaped text with matched words wrapped in ``<mark>``; a numbered instruction is an ``<ol>``
    (one ``<li>`` per step), other passages are plain text: safe to insert as HTML."""
    whole: bool
    """True when the fragment is the whole answer."""
    steps: list[str] = field(default_factory=list)
    """The steps of the numbered instruction shown (without their numbers), if any."""


@dataclass(frozen=True)
class Unit:
    """A piece of an answer that may be shown: a sentence, or a numbered instruction with its intro."""

    text: str
    lead: str = ""
    """For an instruction: its introductory line or heading (may be empty)."""
    steps: tuple[str, ...] = ()
    start: int = 1
    """The number of the first step."""

    @property
    def plain(self) -> str:
        if not self.steps:
            return self.text
        lines = [self.lead] if self.lead else []
        lines += [f"{n}. {s}" for n, s in enumerate(self.steps, self.start)]
        return "\n".join(lines)


def split_sentences(value: str) -> list[str]:
    """Sentences of a piece of text; a piece without letters ("1.") joins the next sentence."""
    out: list[str] = []
    carry = ""
    for piece in _SENTENCE_END.split(value):
        piece = piece.strip()
        if not piece:
            continue
        if not _LETTER.search(piece):
            carry = f"{carry} {piece}".strip()
            continue
        out.append(f"{carry} {piece}".strip() if carry else piece)
        carry = ""
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out


def _is_lead(line: str) -> bool:
    """A line that introduces what follows: ends with ":" or is a short heading without a full stop."""
    line = line.strip()
    return line.endswith(":") or (len(line) <= HEADING_CHARS and not _SENTENCE_STOP.search(line)
                                  and not _STEP.match(line))


def units(answer: str) -> list[Unit]:
    """The answer cut into units (see the module's docstring)."""
    lines = [ln.strip() for ln in (answer or "").splitlines() if ln.strip()]
    out: list[Unit] = []
    lead = ""
    i = 0
    while i < len(lines):
        step = _STEP.match(lines[i])
        if step:
            start, steps = int(step.group(1)), []
            while i < len(lines) and (m := _STEP.match(lines[i])):
                steps.append(m.group(2).strip())
                i += 1
            out.append(Unit(" ".join([lead, *steps]).strip(), lead, tuple(steps), start))
            lead = ""
            continue
        line = lines[i]
        i += 1
        if _is_lead(line) and i < len(lines):
            lead = f"{lead} {line}".strip()
            continue
        sentences = split_sentences(line)
        if lead and sentences:
            sentences[0] = f"{lead} {sentences[0]}"
            lead = ""
        out += [Unit(s) for s in sentences]
    if lead:
        out.append(Unit(lead))
    return out


def highlight(value: str, terms: frozenset[str] | set[str], stem: Callable[[str], str]) -> str:
    """Escape ``value`` and wrap every word whose stem is in ``terms`` in ``<mark>``."""
    out, pos = [], 0
    for m in _WORD.finditer(value):
        word = m.group(0)
        if stem(_norm(word)) in terms:
            out.append(escape(value[pos:m.start()]))
            out.append(f"<mark>{escape(word)}</mark>")
            pos = m.end()
    out.append(escape(value[pos:]))
    return "".join(out)


def analyse(answer: str, stem: Callable[[str], str]) -> tuple[list[Unit], list[frozenset[str]]]:
    """An answer's units and the stems of each (cacheable: it does not depend on the question)."""
    cut = units((answer or "").strip())
    return cut, [frozenset(stem(_norm(w)) for w in _WORD.findall(u.text)) for u in cut]


def best_fragment(answer: str, terms: frozenset[str] | set[str], stem: Callable[[str], str],
                  weights: dict[str, float] | None = None, max_chars: int = MAX_FRAGMENT,
                  analysed: tuple[list[Unit], list[frozenset[str]]] | None = None) -> Fragment:
    """The window of consecutive units (up to ``max_chars``) with the most matched weight."""
    cut, stems = analysed or analyse(answer, stem)
    if not cut:
        return Fragment("", "", True)
    weights = weights or {}
    found = [s & terms for s in stems]
    best, best_key = (0, 1), None
    for i in range(len(cut)):
        covered: set[str] = set()
        length = 0
        for j in range(i, len(cut)):
            length += len(cut[j].text) + 1
            if j > i and length > max_chars:
                break
            covered |= found[j]
            value = sum(weights.get(t, 1.0) for t in covered)
            key = (value, -(j - i), -i)
            if best_key is None or key > best_key:
                best, best_key = (i, j + 1), key
    chosen = cut[best[0]:best[1]]
    whole = best == (0, len(cut))
    return _render(chosen, terms, stem, whole, max_chars)


def _render(chosen: list[Unit], terms, stem, whole: bool, max_chars: int) -> Fragment:
    texts, htmls, steps = [], [], []
    prose: list[str] = []
    shortened = False
    has_steps = any(u.steps for u in chosen)

    def flush() -> None:
        nonlocal shortened
        if prose:
            full = " ".join(prose)
            joined = _cut(full, max_chars * 2)
            shortened |= joined != full
            texts.append(joined)
            htmls.append(f"<p>{highlight(joined, terms, stem)}</p>" if has_steps else highlight(joined, terms, stem))
            prose.clear()

    for unit in chosen:
        if not unit.steps:
            prose.append(unit.text)
            continue
        flush()
        shown, size = [], len(unit.lead)
        for s in unit.steps:
            if shown and size + len(s) > MAX_STEPS_CHARS:
                break
            shown.append(s)
            size += len(s) + 4
        more = len(shown) < len(unit.steps)
        shortened |= more
        if unit.lead:
            texts.append(unit.lead)
            htmls.append(f"<p>{highlight(unit.lead, terms, stem)}</p>")
        texts.append("\n".join(f"{n}. {s}" for n, s in enumerate(shown, unit.start)) + ("\n…" if more else ""))
        start = f' start="{unit.start}"' if unit.start != 1 else ""
        items = "".join(f"<li>{highlight(s, terms, stem)}</li>" for s in shown)
        htmls.append(f"<ol{start}>{items}</ol>" + ("<p>…</p>" if more else ""))
        steps += shown
    flush()
    return Fragment("\n".join(texts), "".join(htmls), whole and not shortened, steps)


def _cut(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    return value[:limit].rsplit(" ", 1)[0] + "…"

