"""What chat channels say to citizens (translated; Russian by default, as the rest of the site).

The locale of a chat: the linked citizen's language, else the site's default (``BABEL_DEFAULT_LOCALE``)
— never the language of whoever caused the text (a staff member's English desk) nor of the
platform's webhook request (its ``Accept-Language``, cookies or ``?lang=`` say nothing about the
citizen)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import current_app, has_request_context
from flask_babel import force_locale

from .. import links
from ..domain import Answer, InquiryResult, RouteAction
from ..i18n import gettext as _


def citizen_locale(user=None) -> str:
    """The locale texts for a citizen are written in: their account's language when it is one of
    ``SEP_LANGUAGES``, else the site's default."""
    languages = current_app.config["SEP_LANGUAGES"]
    locale = getattr(user, "locale", None)
    if locale not in languages:
        locale = current_app.config.get("BABEL_DEFAULT_LOCALE") or languages[0]
    return locale


@contextlib.contextmanager
def in_citizen_locale(user=None) -> Iterator[str]:
    """``with in_citizen_locale(user):`` — translate texts in the citizen's locale (see
    :func:`citizen_locale`); yields the locale."""
    locale = citizen_locale(user)
    if not has_request_context():  # flask-babel needs a request context to switch
        yield locale
        return
    with force_locale(locale):
        yield locale


def public_url(path: str) -> str:
    """An absolute link to a page of the site, from ``SEP_PUBLIC_URL``."""
    return links.public_url(path)


def request_url() -> str:
    """The request form, as a link for chats and e-mail (``SEP_PUBLIC_URL`` + ``/requests/new``)."""
    return public_url("/requests/new")


def cabinet_url() -> str:
    """The cabinet page where citizens link chats (``SEP_PUBLIC_URL`` + ``/social/accounts``)."""
    return public_url("/social/accounts")


def answer(answer: Answer) -> str:
    """An answer as chat text: its plain text (or title) and its link."""
    text = (answer.fragment_text or answer.title or "").strip()
    if answer.url:
        text = f"{text}\n\n{answer.url}" if text else answer.url
    return text


def request_link(linked: bool, url: str | None = None, offer_linking: bool = True) -> str:
    text = _("I could not find a confident answer to this question. You can file a request to the "
             "support service: %(url)s", url=url or request_url())
    if not linked and offer_linking:
        text += "\n\n" + _("To have requests opened right in this chat, link it to your personal cabinet: "
                           "send /link.")
    return text


def unavailable(message: str, url: str | None = None) -> str:
    head = message or _("The online consultant is not available at the moment.")
    return head + "\n\n" + _("You can file a request to the support service: %(url)s", url=url or request_url())


def reply_text(result: InquiryResult, *, user=None, request_link_url: str | None = None) -> str:
    """The reply to a routed inquiry, as plain text in the citizen's locale (``user``'s language,
    else the site's default): the answer with its link; when the service is closed, its message
    (``Availability.message``) and the request form; otherwise a link to the request form built
    from ``SEP_PUBLIC_URL``. For any channel; conversational channels add linking and requests."""
    with in_citizen_locale(user):
        route = result.route
        if route.action == RouteAction.ANSWER and route.answer is not None and answer(route.answer):
            return answer(route.answer)
        if route.action == RouteAction.UNAVAILABLE:
            return unavailable(result.availability.message, request_link_url)
        return request_link(linked=True, url=request_link_url)


def ticket_opened(number: str) -> str:
    return _("Your request No. %(number)s has been opened. The support service will answer here and by "
             "e-mail.", number=number)


def staff_reply(number: str, body: str) -> str:
    return _("Reply to your request No. %(number)s:", number=number) + "\n\n" + body


def welcome() -> str:
    return _("Hello! Type your question and the online consultant will answer. To link this chat to your "
             "personal cabinet, send /link.")


def link_code_issued(code: str, minutes: int, url: str | None = None) -> str:
    return _("Your code: %(code)s. Enter it in your personal cabinet within %(minutes)s minutes: %(url)s",
             code=code, minutes=minutes, url=url or cabinet_url())


def linked() -> str:
    return _("This chat is now linked to your personal cabinet. Requests you file here will be opened "
             "for you, and replies will come here.")


def link_invalid(url: str | None = None) -> str:
    return _("This code is not valid or has expired. Get a new code in your personal cabinet: %(url)s",
             url=url or cabinet_url())


def link_throttled() -> str:
    return _("Too many wrong codes. Try again in an hour.")


def link_private_only() -> str:
    return _("Accounts can be linked only in a private chat with the community.")
