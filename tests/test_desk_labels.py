"""Every desk page, in Russian and in English, shows human labels and no raw codes (issue 17):
no `citizen`, `documents`, `web`, `duty` or `tech_support` where a person reads the page. The pages
are rendered in headless Chromium and their visible text, options included, is scanned."""

from __future__ import annotations

import re

import pytest

from sep_core import ROLES, db
from sep_core.testing import create_user

pytestmark = pytest.mark.browser

#: Latin words a Russian page may show: names of things, not codes.
ALLOWED_LATIN = {"api", "pdf", "csv", "json", "sms", "vk", "telegram", "max", "ok", "ics", "url", "id", "sha",
                 "http", "https"}


def sign_in(page, app, live_server, user) -> None:
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


@pytest.fixture
def desk(app):
    """A request in each status, through each of the built-in channels, and the staff who work them."""
    from sep_plugins.tickets import service
    from sep_plugins.tickets.models import STATUSES

    app.extensions["sep"].pm.hook.sep_init_data(app=app, demo=True)
    citizen = create_user("citizen@example.ru")
    admin = create_user("admin@example.ru", role="admin")
    create_user("spec@example.ru", role="specialist", profiles=["tech_support"])

    def filed(channel="web", category="extract"):
        return service.create_ticket(user=citizen, fields={
            "surname": "Иванова", "first_name": "Мария", "patronymic": "", "email": "citizen@example.ru",
            "phone": "", "category": category, "subject": "Нужна выписка", "description": "Не могу скачать выписку."},
            category=service.category_by_code(category), channel=channel)

    numbers = {"new": filed("phone").number}
    t = filed("api")
    service.take(t, admin)
    numbers["in_progress"] = t.number
    t = filed()
    service.note(t, admin, "Проверить данные дилера")
    service.request_documents(t, admin, "Скан СТС")
    numbers["waiting_documents"] = t.number
    t = filed()
    service.request_identity(t, admin, "email", "Смена владельца")
    numbers["waiting_identity"] = t.number
    t = filed()
    service.request_requirement(t, admin, [], "Обновите браузер")
    numbers["waiting_requirement"] = t.number
    t = filed()
    service.escalate(t, admin, "tech_support", "Ошибка подписи")
    numbers["escalated"] = t.number
    t = filed()
    service.answer(t, admin, "Выписка доступна в кабинете")
    numbers["answered"] = t.number
    t = filed()
    service.answer(t, admin, "Готово")
    service.staff_close(t, admin)
    numbers["closed"] = t.number
    db.session.commit()
    assert set(numbers) == set(STATUSES)
    return {"admin": admin, "numbers": numbers}


def codes() -> set[str]:
    """The codes the desk stores and must never show as they are."""
    from sep_plugins.tickets.labels import MESSAGE_KINDS, QUEUES
    from sep_plugins.tickets.models import CHANNELS, STATUSES, Category, Profile

    from sep_core.labels import CHANNEL_LABELS

    found = set(STATUSES) | set(CHANNELS) | set(MESSAGE_KINDS) | set(QUEUES) | set(ROLES) | set(CHANNEL_LABELS)
    found |= set(db.session.execute(db.select(Category.code)).scalars())
    found |= set(db.session.execute(db.select(Profile.code)).scalars())
    return {c for c in found if len(c) > 2}


#: What is exempt: scripts, what staff type, codes shown as codes (``<code>``, an admin's Code column,
#: a file format), and text in another language than the page's (a knowledge-base entry in English).
EXEMPT = "script, style, template, textarea, code, kbd, samp, [data-codes-ok]"
TEXT_OF_PAGE = """(exempt) => {
  const lang = document.documentElement.lang;
  const body = document.body.cloneNode(true);
  for (const e of body.querySelectorAll(exempt + ', [lang]:not([lang="' + lang + '"])')) e.remove();
  return document.title + '\\n' + body.textContent;
}"""
#: Each element's own text, trimmed (a code alone in a cell, an option or a badge).
OWN_TEXTS = """(exempt) => {
  const lang = document.documentElement.lang, out = [];
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest(exempt + ', .message-body') || e.closest('[lang]').lang !== lang) continue;
    const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
    if (own) out.push(own);
  }
  return out;
}"""


def raw_codes(page, locale: str, known: set[str]) -> list[str]:
    text = page.evaluate(TEXT_OF_PAGE, EXEMPT)
    text = re.sub(r"\S+@\S+|https?://\S+|\S+\.(pdf|png|jpe?g|csv|ics)\b", " ", text)
    found = [c for c in known if "_" in c and re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    for own in page.evaluate(OWN_TEXTS, EXEMPT):
        for code in known:
            quoted = re.escape(code)
            if own == code or re.search(rf"\({quoted}\)|^{quoted} ·|· {quoted}(?: ·|$)", own):
                found.append(f"{code!r} in {own[:80]!r}")
    if locale == "ru":  # Russian pages: no lowercase Latin word but names of things
        found += [w for w in re.findall(r"(?<![\w.-])[a-z][a-z0-9_]+(?![\w-])", text) if w not in ALLOWED_LATIN]
    return sorted(set(found))


DESK_PAGES = ("/desk", "/desk/?status=all", "/desk/phone", "/desk/canned", "/desk/categories", "/desk/profiles",
              "/desk/kb", "/desk/bot", "/desk/reports", "/desk/roster", "/desk/calls")


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_desk_pages_label_every_code(browser_page, app, live_server, desk, locale):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, app, live_server, desk["admin"])
    known = codes()
    assert {"citizen", "documents", "web", "duty", "tech_support"} <= known
    pages = list(DESK_PAGES) + [f"/desk/requests/{n}" for n in desk["numbers"].values()]
    found = {}
    for path in pages:
        separator = "&" if "?" in path else "?"
        response = page.goto(f"{path}{separator}lang={locale}")
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == locale
        if bad := raw_codes(page, locale, known):
            found[path] = bad
    assert not found, f"raw codes on the desk pages ({locale}): {found}"
