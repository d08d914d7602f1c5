"""What the consultant does with a question: answer it, offer a few choices, or route it to a request.

The ranking gives candidates with a calibrated confidence (the estimated probability that the
first one is right). The decision turns that into what the citizen sees:

- ``answer``: one entry, when the confidence reaches ``answer_threshold`` (set so that most single
  answers are right, see the benchmark);
- ``clarify``: up to ``choices`` entries ("maybe you are asking about ..."), between "sure" and
  "no idea" (confidence at or above ``clarify_threshold``);
- ``request``: nothing shown; the question goes to the request form, pre-filled.

The shape of :class:`Decision` is the interface of the page, the API and ``sep kb rank``: keep it
stable; only how the kind is computed may change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["answer", "clarify", "request"]
ANSWER: Kind = "answer"
CLARIFY: Kind = "clarify"
REQUEST: Kind = "request"


@dataclass(frozen=True)
class Policy:
    """Thresholds on the calibrated confidence of the first candidate."""

    answer_threshold: float = 0.5
    clarify_threshold: float = 0.15
    choices: int = 3
    """At most this many choices when clarifying."""
    choice_floor: float = 0.0
    """A further choice (after the first) is shown only if its own score signal is at least this."""

    @classmethod
    def from_settings(cls, settings: dict) -> Policy:
        keys = ("answer_threshold", "clarify_threshold", "choices", "choice_floor")
        return cls(**{k: type(getattr(cls, k))(settings[k]) for k in keys if k in settings})


@dataclass(frozen=True)
class Decision:
    """What the citizen is shown for one question.

    ``shown`` holds the entries' keys (``KbEntry.id`` in the app, any key in the matcher) in display
    order: one when answered, up to ``Policy.choices`` when clarifying, none for a request.
    """

    kind: Kind
    shown: tuple = ()
    confidence: float = 0.0
    """Calibrated confidence that the first candidate is right (0 when there is none)."""

    @property
    def answered(self) -> bool:
        return self.kind == ANSWER

    def to_json(self, shown: Sequence | None = None) -> dict:
        """JSON form; ``shown`` replaces the keys (e.g. by the answers' JSON for the API)."""
        return {"kind": self.kind, "shown": list(self.shown if shown is None else shown),
                "confidence": round(self.confidence, 4)}


def decide(candidates: Sequence[tuple[object, float, float]], policy: Policy) -> Decision:
    """Decide from ``(key, confidence, choice_signal)`` triples, best first.

    ``confidence`` of the first candidate drives the kind; ``choice_signal`` (e.g. the candidate's
    own relevance) filters further choices when clarifying so that clearly unrelated entries are
    not offered."""
    if not candidates:
        return Decision(REQUEST)
    top_key, confidence, _ = candidates[0]
    if confidence >= policy.answer_threshold:
        return Decision(ANSWER, (top_key,), confidence)
    if confidence >= policy.clarify_threshold and policy.choices > 0:
        shown = [top_key] + [k for k, _, signal in candidates[1:] if signal >= policy.choice_floor]
        return Decision(CLARIFY, tuple(shown[: policy.choices]), confidence)
    return Decision(REQUEST, (), confidence)
