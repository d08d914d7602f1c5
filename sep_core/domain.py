"""Plain types exchanged through hooks.

They are dataclasses rather than ORM rows so that a plugin can build, test and pass them without
a database, and so that the hook contract does not change when a table does. New fields get
defaults: adding a field never breaks an existing plugin.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Services whose availability the core asks about. Plugins may add their own names.
SERVICES = ("bot", "phone", "tickets")


@dataclass
class Inquiry:
    """One message from a citizen, whatever channel it came through."""

    channel: str
    text: str
    sender: str | None = None
    """Channel-specific address of the sender (a chat id, a peer id); never shown in logs."""
    user_id: int | None = None
    """The signed-in or linked account, when known."""
    locale: str = "ru"
    received_at: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    """Set by the core once the inquiry is written to the inquiries log (or its id reserved)."""
    log_deferred: bool = False
    """Set by the core when the inquiries-log row is written later, in a batch (an anonymous
    question where the log buffer is on): a ``sep_on_inquiry`` listener writes its own log rows
    with ``sep_core.log_row(model, values, deferred=inquiry.log_deferred)`` to go with it."""


@dataclass
class Answer:
    """A candidate answer proposed by an answerer plugin."""

    source: str
    """Name of the answerer that proposed it (usually the plugin name)."""
    confidence: float
    """Calibrated to [0, 1]: the routing threshold compares against it."""
    title: str = ""
    fragment_html: str = ""
    """Safe HTML (already escaped / sanitised by the answerer)."""
    fragment_text: str = ""
    entry_id: int | str | None = None
    external_id: str | None = None
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"Answer.confidence must be within [0, 1], got {self.confidence!r}")


class RouteAction(enum.StrEnum):
    """What happens to an inquiry."""

    ANSWER = "answer"
    """Reply with the chosen answer now."""
    TICKET = "ticket"
    """Offer (or open) a request for the duty queue."""
    ESCALATE = "escalate"
    """Offer (or open) a request addressed to a profile specialist."""
    UNAVAILABLE = "unavailable"
    """The service is closed (maintenance): say so and offer a request."""


@dataclass
class Route:
    """The routing decision for one inquiry (from the first ``sep_route`` implementation that
    returns one; the core's default last)."""

    action: RouteAction
    """What happens: answer now, offer a request (duty queue or a specialist), or say the
    service is closed."""
    answer: Answer | None = None
    """The answer to give when ``action`` is ``ANSWER`` (usually the best candidate)."""
    queue: str | None = None
    """The request queue a ``TICKET``/``UNAVAILABLE`` route targets (``"duty"`` by default)."""
    profile: str | None = None
    """The specialist profile an ``ESCALATE`` route addresses (e.g. ``"epts"``)."""
    reason: str = ""
    """Why, machine-readable: ``confident``, ``low_confidence``, ``no_answer``, ``maintenance``..."""
    decided_by: str = ""
    """The plugin that decided (``core`` for the default rule)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "queue": self.queue,
            "profile": self.profile,
            "reason": self.reason,
        }


@dataclass
class Availability:
    """Whether a service is open at a moment, and why."""

    service: str
    open: bool
    reason: str = ""
    """A machine-readable reason: ``open``, ``weekend``, ``holiday``, ``maintenance``, ..."""
    message: str = ""
    """Text for citizens, already translated into the request's locale, saying why the service
    is closed and until when (e.g. the maintenance announcement); ``""`` when open or when the
    plugin has nothing to say — then channels use their own generic text. Plain text, not HTML:
    channels show it as is (``reply_text`` puts it before the request link)."""
    next_open: datetime | None = None
    """When a closed service opens again (Moscow time), if known."""
    next_close: datetime | None = None
    """When an open service closes next, if known."""
    source: str = ""
    """The plugin that gave the verdict (``core`` when no calendar is enabled)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "open": self.open,
            "reason": self.reason,
            "message": self.message,
            "next_open": self.next_open.isoformat() if self.next_open else None,
            "next_close": self.next_close.isoformat() if self.next_close else None,
        }


@dataclass
class Requirement:
    """Something the citizen's computer must satisfy (a browser version, a program)."""

    id: str
    name: str
    met: bool | None = None
    """True, False, or None when the server cannot tell (a browser-side probe must run)."""
    instructions_html: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class InboundEvent:
    """One event parsed from a webhook body by a channel."""

    event_id: str
    """The platform's id for deduplication (VK ``event_id``, Telegram ``update_id``...)."""
    sender: str | None = None
    text: str | None = None
    """None for events that carry no citizen message (they are acknowledged and ignored)."""
    reply_to: str | None = None
    """Where a reply goes (a chat or peer id); defaults to ``sender``."""
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class InquiryResult:
    """Everything the pipeline decided about an inquiry; what ``reply_payload(event, result)``
    receives (``sep_core.reply_text(result)`` turns it into the usual reply text)."""

    inquiry: Inquiry
    """The inquiry as handled, with ``id`` set (its row in the inquiries log) and its ``locale``."""
    availability: Availability
    """The bot's availability at the moment of the inquiry (``service == "bot"``)."""
    answers: list[Answer]
    """The answerers' candidates, best (highest confidence) first; may be empty."""
    route: Route
    """What to do: the routing decision."""

    @property
    def best(self) -> Answer | None:
        """The most confident candidate, or None."""
        return self.answers[0] if self.answers else None
