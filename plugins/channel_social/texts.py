"""What the channels say to citizens (translated; Russian by default, as in the rest of the site)."""

from __future__ import annotations

import contextlib

from flask import current_app, has_request_context
from flask_babel import force_locale

from sep_core import gettext as _
from sep_core import plugin_settings


def in_locale(user=None):
    """Texts for a chat are in the linked citizen's language, else the site's default (Russian) —
    never in the language of whoever caused them (a staff member's English desk)."""
    languages = current_app.config["SEP_LANGUAGES"]
    locale = getattr(user, "locale", None)
    if locale not in languages:
        locale = current_app.config.get("BABEL_DEFAULT_LOCALE") or languages[0]
    return force_locale(locale) if has_request_context() else contextlib.nullcontext()


def _urls() -> tuple[str, str]:
    settings = plugin_settings("channel_social")
    base = current_app.config["SEP_PUBLIC_URL"].rstrip("/")
    return (settings["request_url"] or f"{base}/requests/new",
            settings["cabinet_url"] or f"{base}/social/accounts")


def request_url() -> str:
    return _urls()[0]


def cabinet_url() -> str:
    return _urls()[1]


def answer(answer) -> str:
    text = (answer.fragment_text or answer.title or "").strip()
    if answer.url:
        text = f"{text}\n\n{answer.url}" if text else answer.url
    return text


def request_link(linked: bool) -> str:
    text = _("I could not find a confident answer to this question. You can file a request to the "
             "support service: %(url)s", url=request_url())
    if not linked:
        text += "\n\n" + _("To have requests opened right in this chat, link it to your personal cabinet: "
                           "send /link.")
    return text


def unavailable(message: str) -> str:
    head = message or _("The online consultant is not available at the moment.")
    return head + "\n\n" + _("You can file a request to the support service: %(url)s", url=request_url())


def ticket_opened(number: str) -> str:
    return _("Your request No. %(number)s has been opened. The support service will answer here and by "
             "e-mail.", number=number)


def staff_reply(number: str, body: str) -> str:
    return _("Reply to your request No. %(number)s:", number=number) + "\n\n" + body


def welcome() -> str:
    return _("Hello! Type your question and the online consultant will answer. To link this chat to your "
             "personal cabinet, send /link.")


def link_code_issued(code: str, minutes: int) -> str:
    return _("Your code: %(code)s. Enter it in your personal cabinet within %(minutes)s minutes: %(url)s",
             code=code, minutes=minutes, url=cabinet_url())


def linked() -> str:
    return _("This chat is now linked to your personal cabinet. Requests you file here will be opened "
             "for you, and replies will come here.")


def link_invalid() -> str:
    return _("This code is not valid or has expired. Get a new code in your personal cabinet: %(url)s",
             url=cabinet_url())


def link_throttled() -> str:
    return _("Too many wrong codes. Try again in an hour.")


def link_private_only() -> str:
    return _("Accounts can be linked only in a private chat with the community.")


def vk_no_messages_subject() -> str:
    return _("A reply from the support service")


def vk_no_messages_body(text: str) -> str:
    return (_("We could not reply to you on VK because messages from the community are not allowed in "
              "your settings. Our reply:") + "\n\n" + text + "\n\n"
            + _("You can also file a request: %(url)s", url=request_url()))
