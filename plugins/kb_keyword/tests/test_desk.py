"""Staff analytics /desk/bot and the editor: access, adding a logged question as a phrasing, new entry."""

from __future__ import annotations

import pytest

from sep_core import db
from sep_core.testing import csrf_token

pytestmark = pytest.mark.sep_plugins("kb_keyword")


def test_desk_is_for_kb_editors_only(app, client, small_base, h):
    assert client.get("/desk/bot").status_code == 302
    h.sign_in(client, h.make_user())
    assert client.get("/desk/bot").status_code == 403
    assert client.get("/desk/kb").status_code == 403
    editor = app.test_client()
    h.sign_in(editor, h.make_user("kb_editor", "editor@example.org"))
    assert editor.get("/desk/bot").status_code == 200


def test_unanswered_question_becomes_a_phrasing_and_is_then_answered(app, client, small_base, h):
    from sep_plugins.kb_keyword.models import KbEntry, KbQuestion

    question = "бумагу с данными авто где брать"
    assert h.ask(client, question).get_json()["answered"] is False
    h.ask(client, "Как получить выписку?", channel="web")
    h.post_json(client, "/api/v1/ask/rate", {"token": h.ask(client, "телефон режим").get_json()["token"],
                                             "helpful": False})
    editor = app.test_client()
    h.sign_in(editor, h.make_user("kb_editor", "editor@example.org"))
    page = editor.get("/desk/bot").get_data(as_text=True)
    assert (question in page and "Answers rated not helpful" in page) or "Ответы" in page
    row = db.session.execute(db.select(KbQuestion).where(KbQuestion.question == question)).scalar_one()
    entry = db.session.execute(db.select(KbEntry).where(KbEntry.external_id == "t-1")).scalar_one()
    r = editor.post("/desk/bot/phrasing", data={"question_id": row.id, "entry_id": entry.id,
                                               "csrf_token": csrf_token(editor)})
    assert r.status_code == 302
    db.session.expire_all()
    assert question in entry.phrasings
    data = h.ask(client, question).get_json()
    assert data["answered"] and data["answer"]["external_id"] == "t-1"


def test_new_entry_from_a_logged_question_and_rollback(app, client, small_base, h):
    from sep_plugins.kb_keyword.models import KbEntry, KbQuestion

    h.ask(client, "как оплатить госпошлину")
    row = db.session.execute(db.select(KbQuestion)).scalars().first()
    editor = app.test_client()
    h.sign_in(editor, h.make_user("kb_editor", "editor@example.org"))
    form = editor.get(f"/desk/kb/new?from_question={row.id}").get_data(as_text=True)
    assert "как оплатить госпошлину" in form
    r = editor.post(f"/desk/kb/new?from_question={row.id}", data={
        "question": "Как оплатить госпошлину?", "phrasings": "пошлина оплата", "keyphrases": "госпошлина",
        "answer_md": "Оплатите **госпошлину** на портале.", "category": "", "external_id": "", "status": "published",
        "locale": "ru", "csrf_token": csrf_token(editor)})
    assert r.status_code == 302
    entry = db.session.execute(db.select(KbEntry).where(KbEntry.question == "Как оплатить госпошлину?")).scalar_one()
    assert h.ask(client, "как оплатить госпошлину").get_json()["answer"]["id"] == entry.id
    r = editor.post(f"/desk/kb/{entry.id}", data={
        "question": "Как оплатить госпошлину?", "phrasings": "", "keyphrases": "", "answer_md": "Изменено.",
        "category": "", "external_id": "", "status": "published", "locale": "ru", "csrf_token": csrf_token(editor)})
    assert r.status_code == 302
    r = editor.post(f"/desk/kb/{entry.id}/rollback/1", data={"csrf_token": csrf_token(editor)})
    assert r.status_code == 302
    db.session.expire_all()
    assert entry.answer_md == "Оплатите **госпошлину** на портале."
    assert editor.post(f"/desk/kb/{entry.id}/rollback/99", data={"csrf_token": csrf_token(editor)}).status_code == 404


def test_synonyms_editor(app, client, small_base, h):
    editor = app.test_client()
    h.sign_in(editor, h.make_user("kb_editor", "editor@example.org"))
    r = editor.post("/desk/kb/synonyms", data={"groups": "справка; выписка", "csrf_token": csrf_token(editor)})
    assert r.status_code == 302
    data = h.ask(client, "как получить справку").get_json()
    assert (data["answer"] or data["alternatives"][0])["external_id"] == "t-1"


def test_analytics_days_are_moscow_days(app, client, small_base, h, clock):
    # 01:30 in Moscow on 10 March is still 9 March in UTC (the stored time): staff count Moscow days
    clock.set("2026-03-10T01:30:00")
    h.ask(client, "Как получить выписку?")
    editor = app.test_client()
    h.sign_in(editor, h.make_user("kb_editor", "editor@example.org"))
    page = editor.get("/desk/bot").get_data(as_text=True)
    assert "2026-03-10" in page and "2026-03-09" not in page


def test_revision_times_are_shown_in_moscow_time(app, small_base, h, clock):
    from sep_plugins.kb_keyword.models import KbEntry

    clock.set("2026-03-10T01:30:00")
    entry = db.session.execute(db.select(KbEntry).where(KbEntry.external_id == "t-2")).scalar_one()
    editor = app.test_client()
    h.sign_in(editor, h.make_user("kb_editor", "editor@example.org"))
    data = {**{k: "" for k in ("phrasings", "keyphrases", "category", "external_id")},
            "question": entry.question, "answer_md": "Телефон работает с 06:00 до 18:00 по Москве.",
            "status": "published", "locale": "ru", "external_id": "t-2", "csrf_token": csrf_token(editor)}
    assert editor.post(f"/desk/kb/{entry.id}", data=data).status_code == 302
    page = editor.get(f"/desk/kb/{entry.id}").get_data(as_text=True)
    assert "2026-03-10 01:30" in page
