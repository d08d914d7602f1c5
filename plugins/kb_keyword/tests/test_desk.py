"""Staff analytics /desk/bot and the editor: access, adding a logged question as a phrasing, new entry."""

from __future__ import annotations

import re

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


def test_curation_groups_questions_with_candidates_and_this_one_attaches_in_one_click(app, client, small_base, h):
    from sep_plugins.kb_keyword.models import KbEntry, KbQuestion

    from sep_core import AuditEntry

    for asked in ("бумагу с данными авто где брать", "Где брать бумагу с данными авто?", "погода на марсе"):
        assert h.ask(client, asked).get_json()["answered"] is False
    token = h.ask(client, "Какой режим работы телефона?").get_json()["token"]
    h.post_json(client, "/api/v1/ask/rate", {"token": token, "helpful": False})
    h.ask(client, "Как получить выписку из электронного паспорта?")  # answered and not rated: not to curate
    editor = app.test_client()
    h.sign_in(editor, h.make_user("kb_editor", "editor@example.org"))
    page = editor.get("/desk/bot").get_data(as_text=True)
    start = page.index('id="kb-curate"')
    section = page[start:page.index("<h2", start)]
    assert section.count('class="card kb-curate"') == 3  # the two wordings of one question are one group
    assert "Спросили 2 раза" in section and "без ответа: 2" in section and "оценили «не помогло»: 1" in section
    assert "Какой режим работы телефона?</h3>" in section  # rated not helpful
    group = section[:section.index('class="card kb-curate"', section.index('class="card kb-curate"') + 1)]
    assert "бумаг" in group.lower()
    form = re.search(r'<form[^>]*/desk/bot/attach.*?</form>', group, re.S).group(0)  # the bot's first candidate
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert len(fields["question_ids"].split(",")) == 2
    entry = db.session.get(KbEntry, int(fields["entry_id"]))
    assert f"{entry.question}</a>" in form  # the candidate is named beside its button
    r = editor.post("/desk/bot/attach", data=fields)
    assert r.status_code == 302
    db.session.expire_all()
    assert len(entry.phrasings) == 1 and "бумаг" in entry.phrasings[0].lower()
    handled = db.session.execute(db.select(KbQuestion.question).where(KbQuestion.handled.is_(True))).scalars().all()
    assert sorted(handled) == ["Где брать бумагу с данными авто?", "бумагу с данными авто где брать"]
    trail = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "kb_phrasing_attached")).scalar_one()
    assert trail.object_id == str(entry.id) and "бумаг" not in trail.reason  # no question text in the audit
    page = editor.get("/desk/bot").get_data(as_text=True)
    assert page[page.index('id="kb-curate"'):].count('class="card kb-curate"') == 2
    answer = h.ask(client, entry.phrasings[0]).get_json()["answer"]
    assert answer is not None and answer["id"] == entry.id  # the consultant now answers it
    again = editor.post("/desk/bot/attach", data=fields, follow_redirects=True).get_data(as_text=True)
    assert "уже есть эта формулировка" in again and len(entry.phrasings) == 1


def test_attach_needs_an_editor_and_a_csrf_token(app, client, small_base, h):
    from sep_plugins.kb_keyword.models import KbEntry, KbQuestion

    h.ask(client, "погода на марсе")
    question = db.session.execute(db.select(KbQuestion)).scalar_one()
    entry = db.session.execute(db.select(KbEntry)).scalars().first()
    data = {"question_id": question.id, "entry_id": entry.id, "question_ids": str(question.id)}
    citizen = app.test_client()
    h.sign_in(citizen, h.make_user())
    assert citizen.post("/desk/bot/attach", data={**data, "csrf_token": csrf_token(citizen)}).status_code == 403
    for role in ("duty", "specialist"):
        staff = app.test_client()
        h.sign_in(staff, h.make_user(role, f"{role}@example.org"))
        assert staff.post("/desk/bot/attach", data={**data, "csrf_token": csrf_token(staff)}).status_code == 403
    editor = app.test_client()
    h.sign_in(editor, h.make_user("kb_editor", "editor@example.org"))
    assert editor.post("/desk/bot/attach", data=data).status_code == 400  # no CSRF token
    r = editor.post("/desk/bot/attach", data={**data, "entry_id": 999, "csrf_token": csrf_token(editor)},
                    follow_redirects=True)
    assert "Неизвестный вопрос или запись." in r.get_data(as_text=True)
    db.session.expire_all()
    assert entry.phrasings == [] and question.handled is False
