"""The conversation on /ask: turns kept in the page, clarifying choices, "none of these", rating, and the
request form offered pre-filled — without JavaScript (form posts) and through the JSON API."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sep_plugins.kb_keyword.settings import DEFAULTS

from sep_core import db
from sep_core.testing import csrf_token

from .conftest import ask

# Every question with candidates is clarified: the thresholds are the answerer's business, not the page's.
CLARIFY = [pytest.mark.sep_plugins("kb_keyword"), pytest.mark.sep_config("SEP_BOT_CONFIDENCE_THRESHOLD", 0.999)]
if "decision" in DEFAULTS:  # the answerer's own policy, when it has one
    CLARIFY.append(pytest.mark.sep_plugin_config("kb_keyword", {"decision": {"answer_threshold": 0.999,
                                                                              "clarify_threshold": 0.0}}))
pytestmark = pytest.mark.sep_plugins("kb_keyword")


def post(client, html: str | None = None, **data):
    fields = {"csrf_token": csrf_token(client), "thread": "[]"}
    if html is not None:
        fields["thread"] = unescape(re.search(r'name="thread" id="kb-thread-state" value="([^"]*)"', html).group(1))
    r = client.post("/ask", data={**fields, **data})
    assert r.status_code == 200
    return r.get_data(as_text=True)


def value(html: str, name: str, index: int = 0) -> str:
    return unescape(re.findall(rf'name="{name}" value="([^"]+)"', html)[index])


def thread_of(html: str) -> list[dict]:
    return json.loads(unescape(re.search(r'id="kb-thread-state" value="([^"]*)"', html).group(1)))


@pytest.mark.parametrize("_", [0], ids=["clarify"])
@pytest.mark.usefixtures("small_base")
class TestClarifyingWithoutJavaScript:
    pytestmark = CLARIFY

    def test_choices_then_pick_then_not_helpful_offers_the_prefilled_request(self, client, _):
        from sep_plugins.kb_keyword.models import KbQuestion

        html = post(client, question="выписка в кабинете")
        assert "Возможно, вы спрашиваете о…" in html
        choices = re.findall(r'class="button button-secondary kb-choice"\s+name="pick" value="([^"]+)"', html)
        assert 1 <= len(choices) <= 3
        assert 'name="none"' in html and "Ничего из этого" in html
        assert 'id="kb-status" class="muted" role="status">' in html and "выберите" in html

        html = post(client, html, pick=unescape(choices[0]))
        turns = thread_of(html)
        assert [t["k"] for t in turns] == ["clarify", "answer"] and turns[1].get("p") == 1
        assert "Я имею в виду: Как получить выписку из электронного паспорта?" in html
        assert html.count("<p>выписка в кабинете</p>") == 1  # the question once; the pick is said as a choice
        row = db.session.execute(db.select(KbQuestion)).scalar_one()
        assert row.entry_id is not None  # the pick is kept for the analytics

        html = post(client, html, rate=value(html, "rate", 1))  # "Не помогло"
        assert "Спасибо за оценку." in html
        latest = html[html.index('id="kb-latest"'):]
        offer = re.search(r'<div class="kb-offer"( hidden)?>.*?action="([^"]+)".*?name="question" value="([^"]*)"',
                          latest, re.S)
        assert offer.group(1) is None and offer.group(2) == "/ask/request"
        assert offer.group(3) == "выписка в кабинете"  # posted with the form, never put in a URL
        db.session.expire_all()
        assert db.session.execute(db.select(KbQuestion.rating)).scalar() == -1

    def test_none_of_these_offers_the_request_and_previous_turns_stay(self, client, _):
        html = post(client, question="режим работы телефона")
        html = post(client, html, question="выписка в кабинете")
        html = post(client, html, none=value(html, "none", 1))
        assert [t["q"] for t in thread_of(html)] == ["режим работы телефона", "выписка в кабинете"]
        assert thread_of(html)[1]["n"] == 1 and html.count('name="none"') == 1  # only the first turn's is left
        latest = html[html.index('id="kb-latest"'):]
        assert re.search(r'<div class="kb-offer">', latest)
        assert "<p>режим работы телефона</p>" in html  # the earlier turn is still on the page

    def test_api_returns_the_decision_the_choices_and_a_rendered_turn(self, client, h, _):
        data = ask(client, "выписка в кабинете", render_turn=True).get_json()
        assert data["decision"]["kind"] == "clarify" and data["answer"] is None
        choices = data["decision"]["shown"]
        assert 1 <= len(choices) <= 3 and all(c["title"] and c["fragment_html"] for c in choices)
        assert data["message"] == "Возможно, вы спрашиваете о…" and "выберите" in data["summary"]
        assert data["turn"] == {"q": "выписка в кабинете", "k": "clarify", "ids": [c["id"] for c in choices],
                                "t": data["token"]}
        assert 'class="button button-secondary kb-choice"' in data["turn_html"]
        picked = h.post_json(client, "/api/v1/ask/pick", {"question": "выписка в кабинете", "token": data["token"],
                                                           "entry_id": choices[-1]["id"],
                                                           "render_turn": True}).get_json()
        assert picked["decision"]["kind"] == "answer" and picked["decision"]["shown"] == [picked["answer"]]
        assert picked["answer"]["id"] == choices[-1]["id"] and picked["turn"]["p"] == 1
        assert "kb-rate-button" in picked["turn_html"]


def test_an_answer_and_a_request_are_decisions_too(client, small_base):
    answered = ask(client, "Как получить выписку из электронного паспорта?").get_json()
    assert answered["decision"]["kind"] == "answer" and answered["decision"]["shown"] == [answered["answer"]]
    assert answered["summary"] == "Найден 1 ответ"  # what the thread shows, not the alternatives behind it
    nothing = ask(client, "погода на марсе завтра").get_json()
    assert nothing["decision"] == {"kind": "request", "shown": [], "confidence": nothing["decision"]["confidence"]}
    html = post(client, question="погода на марсе завтра")
    offer = r'<div class="kb-offer">\s*<form method="post" action="/ask/request"'
    assert re.search(offer, html) and 'name="question" value="погода на марсе завтра"' in html
    assert not ask(client, "!!!").get_json()["decision"]["shown"]


def test_pick_api_rejects_bad_input_with_4xx(client, small_base, h):
    ok = {"question": "выписка", "entry_id": 1}
    assert h.post_json(client, "/api/v1/ask/pick", {**ok, "entry_id": 999}).status_code == 404
    assert h.post_json(client, "/api/v1/ask/pick", {**ok, "entry_id": "x"}).status_code == 404
    assert h.post_json(client, "/api/v1/ask/pick", {**ok, "question": ""}).status_code == 400
    assert h.post_json(client, "/api/v1/ask/pick", {"question": "выписка"}).status_code == 400
    assert client.post("/api/v1/ask/pick", json=ok).status_code == 400  # no CSRF token
    r = h.post_json(client, "/api/v1/ask/pick", {**ok, "token": "not-a-token"})
    assert r.status_code == 200 and r.get_json()["answer"]["id"] == 1


def test_a_tampered_or_broken_thread_is_ignored_or_bounded_and_escaped(client, small_base):
    for broken in ["{", "[1, 2]", json.dumps([{"q": "x", "k": "evil", "ids": []}]),
                   json.dumps([{"q": "x", "k": "answer", "ids": ["1"]}]), "x" * 30000]:
        html = post(client, thread=broken, question="режим работы телефона")
        assert [t["q"] for t in thread_of(html)] == ["режим работы телефона"]
    many = json.dumps([{"q": f"вопрос {i} <script>alert(1)</script>", "k": "request", "ids": []} for i in range(20)])
    html = post(client, thread=many, question="режим работы телефона")
    assert len(thread_of(html)) == 8 and "<script>alert(1)</script>" not in html
    assert "вопрос 19 &lt;script&gt;" in html and "вопрос 11 " not in html
    html = post(client, thread=json.dumps([{"q": "выписка", "k": "answer", "ids": [999, 1]}]), question="телефон")
    assert "Как получить выписку из электронного паспорта?" in html  # an unknown entry just disappears


def test_actions_need_the_csrf_token(client, small_base):
    from sep_plugins.kb_keyword.models import KbQuestion

    token = ask(client, "выписка").get_json()["token"]
    r = client.post("/ask", data={"thread": "[]", "rate": f"{token}:1"})
    assert r.status_code == 400 and db.session.execute(db.select(KbQuestion.rating)).scalar() is None


def test_openapi_documents_the_decision_and_the_pick(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    text = json.dumps(doc)
    assert "/api/v1/ask/pick" in doc["paths"] and '"clarify"' in text and "render_turn" in text


def test_the_english_page_speaks_english(client, small_base):
    client.set_cookie("sep_lang", "en")
    html = post(client, question="погода на марсе завтра")
    assert "Send a request to staff" in html and "Your next question" in html and "Conversation" in html
