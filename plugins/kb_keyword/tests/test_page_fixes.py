"""Reviewer defects on /ask without JavaScript: rating returns to the answer, e-mail form errors keep
the typed value, copy buttons are named after their answer, a polite status instead of a live results
region, copied text keeps step numbers and bullets."""

from __future__ import annotations

import re
from html import unescape

import pytest

from sep_core import db
from sep_core.testing import csrf_token

pytestmark = pytest.mark.sep_plugins("kb_keyword")

STEPS = {"id": "s-1", "title": "Как подать заявление на выписку?",
         "text": "Сделайте так:\n\n1. Войдите в личный кабинет.\n2. Откройте раздел «Выписки».\n"
                 "3. Нажмите «Подать заявление».\n\nПонадобится:\n\n- паспорт;\n- номер ЭПТС."}


def _ask_page(client, question):
    r = client.post("/ask", data={"question": question, "csrf_token": csrf_token(client)})
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _fields(html: str) -> dict[str, str]:
    form = re.search(r'<form[^>]*id="kb-ask-form".*?</form>', html, re.S).group(0)
    return {k: unescape(v) for k, v in re.findall(r'<input[^>]*name="(csrf_token|thread)"[^>]*value="([^"]*)"', form)}


def test_rating_without_javascript_returns_to_the_same_answer_with_a_confirmation(client, small_base):
    from sep_plugins.kb_keyword.models import KbQuestion

    html = _ask_page(client, "Как получить выписку?")
    helpful = unescape(re.search(r'name="rate" value="([^"]+:1)"', html).group(1))
    r = client.post("/ask", data={**_fields(html), "rate": helpful})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert db.session.execute(db.select(KbQuestion.rating)).scalar() == 1
    assert "Спасибо за оценку." in page
    assert "Как получить выписку из электронного паспорта?" in page  # the same answer again, in the thread
    assert "<p>Как получить выписку?</p>" in page and 'name="rate"' not in page  # rated once
    assert db.session.execute(db.select(db.func.count(KbQuestion.id))).scalar() == 1  # not logged again

    r = client.post("/ask", data={**_fields(html), "rate": "nope:0"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Неизвестный ответ." in page
    assert "Как получить выписку из электронного паспорта?" in page


def test_wrong_email_re_renders_the_answer_page_with_the_typed_value_and_a_field_error(client, small_base):
    from sep_plugins.kb_keyword.models import KbEntry

    entry = db.session.execute(db.select(KbEntry).where(KbEntry.external_id == "t-1")).scalar_one()
    token = csrf_token(client)
    r = client.post("/ask/email", data={"entry_id": entry.id, "email": "ivan@@example", "csrf_token": token})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert entry.question in page  # the context: the same answer page
    assert 'value="ivan@@example"' in page
    assert re.search(r'class="field-error" id="kb-email-error">Введите правильный адрес', page)
    assert 'aria-invalid="true"' in page and 'aria-describedby="kb-email-error"' in page
    r = client.post("/ask/email", data={"entry_id": entry.id, "email": "", "csrf_token": token})
    assert 'id="kb-email-error"' in r.get_data(as_text=True)
    r = client.post("/ask/email?lang=en", data={"entry_id": entry.id, "email": "x@y", "csrf_token": token})
    assert r.status_code == 200 and "Please enter a valid e-mail address." in r.get_data(as_text=True)
    r = client.post("/ask/email", data={"entry_id": entry.id, "email": "me@example.org", "csrf_token": token})
    assert r.status_code == 200 and 'id="kb-code"' in r.get_data(as_text=True)  # the address is confirmed first


def test_copy_buttons_are_named_after_their_answers(client, small_base):
    html = _ask_page(client, "Как получить выписку?")
    html = client.post("/ask", data={**_fields(html), "question": "Какой режим работы телефона?"})
    html = html.get_data(as_text=True)
    labels = re.findall(r'<button[^>]*class="button kb-copy"[^>]*aria-label="([^"]+)"', html)
    titles = [unescape(t) for t in re.findall(r'<article class="card kb-answer"[^>]*>\s*<h3[^>]*>([^<]+)</h3>', html)]
    assert len(labels) == len(titles) >= 2
    for label, title in zip(labels, titles, strict=True):
        assert unescape(label) == f"Копировать ответ «{title}»"


def test_results_region_is_not_live_and_a_polite_status_summarises(client, small_base, h):
    html = _ask_page(client, "Как получить выписку?")
    results = re.search(r'<section id="kb-results"[^>]*>', html).group(0)
    assert "aria-live" not in results and "role=" not in results
    status = re.search(r'<p id="kb-status"[^>]*>([^<]*)</p>', html)
    assert status and 'role="status"' in status.group(0)
    data = h.ask(client, "Как получить выписку?", suggest=True).get_json()
    n = (1 if data["answer"] else 0) + len(data["alternatives"])
    assert data["found"] == n and data["summary"] and str(n) in data["summary"]
    assert data["summary"] in {f"Найден {n} ответ", f"Найдено {n} ответа", f"Найдено {n} ответов"}
    assert h.ask(client, "совсем непонятный вопрос про погоду", suggest=True).get_json()["summary"]


def test_copied_text_keeps_step_numbers_and_bullets(client, app, h):
    h.load_rows([STEPS])
    data = h.ask(client, "как подать заявление на выписку").get_json()
    a = data["answer"] or data["alternatives"][0]
    lines = a["copy_text"].splitlines()
    assert lines[0] == STEPS["title"]
    for line in ["1. Войдите в личный кабинет.", "2. Откройте раздел «Выписки».", "3. Нажмите «Подать заявление».",
                 "- паспорт;", "- номер ЭПТС."]:
        assert line in lines
    html = _ask_page(client, "как подать заявление на выписку")
    source = unescape(re.search(r'<textarea class="kb-copy-source"[^>]*>(.*?)</textarea>', html, re.S).group(1))
    assert "1. Войдите в личный кабинет." in source and "- номер ЭПТС." in source


def test_plain_text_keeps_list_markers():
    from sep_plugins.kb_keyword.content import plain_text

    text = plain_text("Шаги:\n\n1. Раз.\n2. Два.\n\n- пункт\n- ещё")
    assert text.splitlines() == ["Шаги:", "1. Раз.", "2. Два.", "- пункт", "- ещё"]
