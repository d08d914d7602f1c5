"""Knowledge-base tools staff can use (issue 17): entries listed by title with search, filters and
a preview; a question linked to an answer with a search picker (typeahead with JavaScript, a search
form without it), not a numeric id; groups labelled with a real question; /desk/kb fits 360 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sep_core import db

pytestmark = pytest.mark.sep_plugins("kb_keyword")


def session_cookie(app, user, url) -> dict:
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": user.get_id(), "_fresh": True})
    return {"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": value, "url": url}


def test_kb_list_by_title_with_search_filters_and_preview(app, client, small_base, h):
    h.sign_in(client, h.make_user("kb_editor", "editor@example.org"))
    page = client.get("/desk/kb").get_data(as_text=True)
    assert "Как получить выписку из электронного паспорта?" in page and "Запись" not in page
    assert "Сформировать выписку" in page  # the answer's preview
    assert page.count('class="kb-entry card"') == 4
    page = client.get("/desk/kb?q=режим работы").get_data(as_text=True)
    assert page.count('class="kb-entry card"') == 1 and "Какой режим работы телефона?" in page
    page = client.get("/desk/kb?q=кабинет").get_data(as_text=True)  # words of the answer count too
    assert "Как получить выписку из электронного паспорта?" in page
    assert client.get("/desk/kb?status=draft").get_data(as_text=True).count('class="kb-entry card"') == 0
    assert client.get("/desk/kb?language=en").get_data(as_text=True).count('class="kb-entry card"') == 0
    entry_page = client.get("/desk/kb/1").get_data(as_text=True)
    assert re.search(r"<h1[^>]*>Как получить выписку из электронного паспорта\?</h1>", entry_page)
    titles = client.get("/desk/kb/titles.json?q=режим").get_json()["entries"]
    assert [t["title"] for t in titles] == ["Какой режим работы телефона?"]


def unanswered(app, client, h, text: str, times: int = 2):
    for _ in range(times):
        assert h.ask(client, text).get_json()["answered"] is False


def test_a_question_is_linked_to_an_entry_with_the_search_form_without_javascript(app, client, small_base, h):
    from sep_plugins.kb_keyword.models import KbEntry, KbQuestion

    question = "бумагу с данными авто где брать"
    unanswered(app, client, h, question)
    editor = app.test_client()
    h.sign_in(editor, h.make_user("kb_editor", "editor@example.org"))
    page = editor.get("/desk/bot").get_data(as_text=True)
    label = re.search(rf'<h3 id="kb-g-(\d+)">{question}</h3>', page)  # the group's label is a real question
    assert label and 'name="entry_id" size' not in page  # no number to type
    row = db.session.get(KbQuestion, int(label.group(1)))
    page = editor.get(f"/desk/bot?for={row.id}&find=выписку").get_data(as_text=True)
    found = page[page.index(f'id="kb-found-{row.id}"'):]
    found = found[:found.index("</ul>")]
    assert "Как получить выписку из электронного паспорта?" in found and "режим" not in found
    entry_id = re.search(r'name="entry_id" value="(\d+)"', found).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', found).group(1)
    ids = re.search(r'name="question_ids" value="([^"]*)"', found).group(1)
    response = editor.post("/desk/bot/attach", data={"csrf_token": token, "question_id": row.id,
                                                      "question_ids": ids, "entry_id": entry_id})
    assert response.status_code == 302
    db.session.expire_all()
    entry = db.session.get(KbEntry, int(entry_id))
    assert question in entry.phrasings
    assert all(q.handled for q in db.session.execute(db.select(KbQuestion).where(
        KbQuestion.question == question)).scalars())


@pytest.mark.browser
def test_the_picker_suggests_titles_as_staff_type(app, browser_page, live_server, small_base, client, h):
    from sep_plugins.kb_keyword.models import KbEntry

    question = "бумагу с данными авто где брать"
    unanswered(app, client, h, question)
    editor = h.make_user("kb_editor", "editor@example.org")
    page = browser_page
    page.context.add_cookies([session_cookie(app, editor, live_server.url)])
    page.goto("/desk/bot")
    page.get_by_text("Ничего из этого").first.click()
    page.get_by_label("Найдите запись с ответом").first.press_sequentially("выпис", delay=30)
    suggestion = page.locator(".kb-picker-results li").filter(has_text="Как получить выписку")
    expect(suggestion).to_be_visible()
    suggestion.get_by_role("button", name="Подходит").click()
    expect(page.locator(".flashes")).to_contain_text("Как получить выписку")
    db.session.expire_all()
    entry = db.session.execute(db.select(KbEntry).where(KbEntry.external_id == "t-1")).scalar_one()
    assert question in entry.phrasings


@pytest.mark.browser
def test_kb_list_fits_a_360_px_phone(app, browser_page, live_server, demo_base, h):
    editor = h.make_user("kb_editor", "editor@example.org")
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 780})
    page.context.add_cookies([session_cookie(app, editor, live_server.url)])
    for path in ("/desk/kb", "/desk/bot"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
