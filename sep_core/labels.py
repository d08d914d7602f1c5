"""Human names for the codes the core and its plugins share: channels and roles. Pages show these,
never the code itself (``channel_label`` and ``role_label`` are also template globals)."""

from __future__ import annotations

from .i18n import lazy_gettext as _l

#: Channels the built-in plugins open inquiries and requests through; others are shown title-cased.
CHANNEL_LABELS = {
    "web": _l("Website"), "api": _l("API (another system)"), "phone": _l("Phone call"), "email": _l("E-mail"),
    "sms": _l("SMS"), "bot": _l("Online consultant"), "vk": "VK", "ok": _l("Odnoklassniki"),
    "telegram": "Telegram", "max": "MAX", "facebook": "Facebook", "instagram": "Instagram", "x": "X",
    "youtube": "YouTube",
}
ROLE_LABELS = {
    "citizen": _l("Citizen"), "duty": _l("Duty specialist"), "specialist": _l("Specialist"),
    "kb_editor": _l("Knowledge base editor"), "admin": _l("Administrator"),
}


def channel_label(code: str | None) -> str:
    """The channel's name for people (a chat network's own name, or the title-cased code)."""
    if not code:
        return "—"
    label = CHANNEL_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ").title()


def role_label(code: str | None) -> str:
    if not code:
        return "—"
    return str(ROLE_LABELS.get(code, code.replace("_", " ")))
