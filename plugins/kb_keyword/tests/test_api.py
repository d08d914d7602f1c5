"""POST /api/v1/ask and the consultant page: answers, routing, maintenance, bad input, rate/save/e-mail."""

from __future__ import annotations

import json
import re

import pytest

from sep_core import Availability, OutboxMessage, db, hookimpl
from sep_core.testing import csrf_token

pytestmark = pytest.mark.sep_plugins("kb_keyword")


def test_ask_answers_with_fragment_and_alternatives(client, small_base, h):
    r = h.ask(client, "Как мне получить выписку?")
    assert r.status_code == 200
    data = r.get_json()
    assert data["answered"] is True
    a = data["answer"]
    assert a["external_id"] == "t-1" and 0.5 <= a["confidence"] <= 1.0
    assert "<mark>" in a["fragment_html"] and "выписк" in a["fragment_text"].lower()
    assert data["token"] and data["route"]["action"] == "answer"
    assert all(alt["id"] != a["id"] for alt in data["alternatives"])


def test_morphology_and_layout_through_the_api(client, small_base, h):
    assert h.ask(client, "выпиской из электронного паспорта").get_json()["answer"]["external_id"] == "t-1"
    assert h.ask(client, "ntktajy").get_json()["alternatives"] or h.ask(client, "ntktajy").get_json()["answer"]


def test_low_confidence_routes_to_a_prefilled_request(client, small_base, h):
    data = h.ask(client, "хочу вернуть деньги за штраф").get_json()
    assert data["answered"] is False
    assert data["route"]["action"] == "ticket"
    assert data["route"]["request_url"] == "/requests/new"  # the question stays out of the address


@pytest.mark.sep_config("SEP_BOT_CONFIDENCE_THRESHOLD", 0.999)
def test_threshold_is_respected(client, small_base, h):
    data = h.ask(client, "Как получить выписку из электронного паспорта?").get_json()
    assert data["answered"] is False and data["route"]["action"] == "ticket"
    assert data["alternatives"][0]["external_id"] == "t-1"


def test_maintenance_says_unavailable(client, small_base, register_plugin, clock, h):
    class Maintenance:
        @hookimpl
        def sep_availability(self, service, at):
            if service == "bot":
                return Availability(service="bot", open=False, reason="maintenance",
                                    message="Плановые работы", next_open=at.replace(hour=23, minute=0))

    register_plugin(Maintenance(), "maintenance")
    data = h.ask(client, "Как получить выписку?").get_json()
    assert data["answered"] is False and data["route"]["action"] == "unavailable"
    assert data["message"] == "Плановые работы" and data["availability"]["next_open"]
    page = client.get("/ask").get_data(as_text=True)
    assert "Плановые работы" in page and "23:00" in page
    turn = h.ask(client, "Как получить выписку?", render_turn=True).get_json()["turn_html"]
    assert '<p class="kb-message">Плановые работы</p>' in turn and "Я не нашёл ответа" not in turn


def test_maintenance_banner_on_ask_gives_the_end_time_once(client, small_base, register_plugin, clock, h):
    # the calendar's message already says until when: the page must not repeat the same time
    class Maintenance:
        @hookimpl
        def sep_availability(self, service, at):
            if service == "bot":
                end = at.replace(hour=23, minute=0)
                return Availability(service="bot", open=False, reason="maintenance",
                                    message=f"Плановые работы до {end.strftime('%d.%m.%Y %H:%M')}.", next_open=end)

    register_plugin(Maintenance(), "maintenance")
    page = client.get("/ask").get_data(as_text=True)
    banner = page.split('id="kb-closed"', 1)[1].split("</div>", 1)[0]
    assert banner.count("23:00") == 1 and "Плановые работы" in banner


@pytest.mark.parametrize("question,status", [
    ("", 400), ("   ", 400), ("а" * 10000, 400), (123, 400), (None, 400), (["выписка"], 400),
])
def test_bad_questions_get_a_clear_4xx(client, small_base, question, status, h):
    r = h.ask(client, question)
    assert r.status_code == status
    assert set(r.get_json()["error"]) >= {"code", "message"}


@pytest.mark.parametrize("question", ["?!...,,,", "😀🚗🔥", "\x01\x02 ⁂", "hello world qwerty"])
def test_odd_questions_get_could_not_understand_or_no_answer(client, small_base, question, h):
    r = h.ask(client, question)
    assert r.status_code == 200
    data = r.get_json()
    assert data["answered"] is False and data["message"]


def test_not_json_and_missing_csrf(client, small_base, h):
    token = csrf_token(client)
    r = client.post("/api/v1/ask", data=b"\xff\xfe\x00binary", headers={"X-CSRFToken": token,
                                                                         "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"]["code"]
    assert client.post("/api/v1/ask", json={"question": "выписка"}).status_code in (400, 403)
    assert h.post_json(client, "/api/v1/ask", {"question": "выписка", "channel": "<x>"}).status_code == 400


def test_html_in_base_and_question_is_escaped(client, app, h):
    h.load_rows([{"id": "x", "title": "Выписка <b>жирная</b>",
                "text": "Выписка <script>alert(1)</script> готова. [ссылка](javascript:alert(1))"}])
    data = h.ask(client, "<script>выписка</script>").get_json()
    a = (data["answer"] or data["alternatives"][0])
    assert "<script>" not in a["fragment_html"] and "<script>" not in a["answer_html"]
    assert "javascript:" not in a["answer_html"]
    page = client.get(f"/ask/entry/{a['id']}").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>жирная</b>" not in page


def test_questions_are_logged_without_personal_data(client, small_base, h):
    from sep_plugins.kb_keyword.models import KbQuestion

    h.ask(client, "выписка для ivanov@example.org телефон +7 916 123-45-67")
    row = db.session.execute(db.select(KbQuestion)).scalar_one()
    assert "ivanov@" not in row.question and "123-45" not in row.question
    assert h.ask(client, "выписка", suggest=True).get_json()["token"] is None
    assert db.session.execute(db.select(db.func.count(KbQuestion.id))).scalar() == 1


def test_rate_flow(client, small_base, h):
    from sep_plugins.kb_keyword.models import KbQuestion

    data = h.ask(client, "Как получить выписку?").get_json()
    assert h.post_json(client, "/api/v1/ask/rate", {"token": data["token"], "helpful": False}).status_code == 200
    assert db.session.execute(db.select(KbQuestion.rating)).scalar() == -1
    assert h.post_json(client, "/api/v1/ask/rate", {"token": "nope", "helpful": True}).status_code == 404
    assert h.post_json(client, "/api/v1/ask/rate", {"token": data["token"], "helpful": "yes"}).status_code == 400


def test_plain_form_without_javascript(client, small_base, h):
    page = client.get("/ask")
    assert page.status_code == 200 and 'id="kb-ask-form"' in page.get_data(as_text=True)
    token = csrf_token(client)
    r = client.post("/ask", data={"question": "Как получить выписку?", "csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<mark>" in html and "Как получить выписку из электронного паспорта?" in html
    r = client.post("/ask", data={"question": "", "csrf_token": token})
    assert r.status_code == 200 and "field-error" in r.get_data(as_text=True)
    r = client.post("/ask", data={"question": "выписка"})  # no CSRF token
    assert r.status_code == 400


def test_save_to_cabinet_needs_sign_in_and_is_private(app, client, small_base, h):
    from sep_plugins.kb_keyword.models import KbSaved

    entry_id = h.ask(client, "Как получить выписку?").get_json()["answer"]["id"]
    assert h.post_json(client, "/api/v1/ask/save", {"entry_id": entry_id}).status_code == 401
    user = h.make_user()
    h.sign_in(client, user)
    assert h.post_json(client, "/api/v1/ask/save", {"entry_id": entry_id}).status_code == 200
    assert h.post_json(client, "/api/v1/ask/save", {"entry_id": 99999}).status_code == 404
    saved = db.session.execute(db.select(KbSaved)).scalar_one()
    assert saved.user_id == user.id
    other = app.test_client()
    h.sign_in(other, h.make_user(email="other@example.org"))
    r = other.post(f"/ask/saved/{saved.id}/delete", data={"csrf_token": csrf_token(other)})
    assert r.status_code == 404
    from sep_plugins.kb_keyword.views import cabinet_section

    with app.test_request_context("/cabinet"):
        assert "Как получить выписку" in str(cabinet_section(user)[0])


def test_email_goes_through_the_outbox_and_is_rate_limited(client, small_base, h):
    entry_id = h.ask(client, "Как получить выписку?").get_json()["answer"]["id"]
    url = "/api/v1/ask/email"
    assert h.post_json(client, url, {"entry_id": entry_id, "email": "not-an-address"}).status_code == 400
    assert h.post_json(client, url, {"entry_id": entry_id, "email": "me@example.org"}).status_code == 202
    code_row = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "email")).scalar_one()
    code = re.search(r"\b(\d{6})\b", json.loads(code_row.payload_json)["subject"]).group(1)
    for _ in range(5):
        body = {"entry_id": entry_id, "email": "me@example.org", "code": code}
        assert h.post_json(client, url, body).status_code == 200
    r = h.post_json(client, "/api/v1/ask/email", {"entry_id": entry_id, "email": "me@example.org"})
    assert r.status_code == 429
    rows = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "email")
                              .order_by(OutboxMessage.id)).scalars().all()
    assert len(rows) == 6  # the code, then five answers
    payload = json.loads(rows[1].payload_json)
    assert payload["to"] == "me@example.org" and "Сформировать выписку" in payload["body"]


def test_openapi_documents_the_ask_endpoint(client, h):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/ask" in doc["paths"] and "post" in doc["paths"]["/api/v1/ask"]


def test_plain_form_rejects_a_too_long_question_with_a_clear_error(client, small_base, h):
    r = client.post("/ask", data={"question": "выписка " * 300, "csrf_token": csrf_token(client)})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Вопрос слишком длинный" in html
