"""Issue 17, small but visible: the footer, the consent page, the favicon, where the codes went,
grammatical gender, and a Russian question asked in the English interface."""

from __future__ import annotations

import pytest

from sep_core import User, db
from sep_core.testing import csrf_token

pytestmark = pytest.mark.sep_plugins("channel_web", "identity_check", "kb_keyword")


@pytest.mark.sep_plugin_config("channel_web", {"social_links": [{"network": "vk", "url": "https://vk.com/sep"},
                                                                {"network": "telegram", "url": "https://t.me/sep"}]})
def test_hook_sep_ui_footer(client):
    """Every page's footer: the phone and its hours, the communities, the consent text."""
    for path in ("/", "/ask", "/login", "/consent"):
        html = client.get(path).get_data(as_text=True)
        footer = html[html.index('<footer class="site-footer">'):]
        assert 'href="tel:+78002000000"' in footer and "8 800 200-00-00" in footer, path
        assert 'href="https://vk.com/sep"' in footer and "Telegram" in footer, path
        assert 'href="/consent"' in footer and "Согласие на обработку персональных данных" in footer, path


def test_the_consent_page_and_the_link_on_registration(client):
    page = client.get("/consent").get_data(as_text=True)
    assert "<h1>Согласие на обработку персональных данных</h1>" in page and "152-ФЗ" in page
    assert "Consent to the processing of personal data" in client.get("/consent?lang=en").get_data(as_text=True)
    assert 'href="/consent"' in client.get("/register").get_data(as_text=True)


def test_favicon(client):
    assert 'rel="icon" href="/static/sep/favicon.svg"' in client.get("/").get_data(as_text=True)
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"].endswith("/static/sep/favicon.svg")
    assert client.get("/static/sep/favicon.svg").status_code == 200


def test_the_confirm_page_says_where_the_codes_went(client):
    data = {"surname": "Иванова", "first_name": "Мария", "patronymic": "", "phone": "8 (916) 123-45-67",
            "email": "maria@example.ru", "password": "зелёный слон летит 42", "consent": "y"}
    token = csrf_token(client, "/api/v1/auth/csrf")
    assert client.post("/register", data={"csrf_token": token, **data}).status_code == 302
    page = client.get("/confirm").get_data(as_text=True)
    assert "Отправлен на адрес электронной почты m•••@example.ru." in page
    assert "Отправлен в SMS на номер +7 ••• •••-45-67." in page
    assert "maria@example.ru" not in page


def test_the_cabinet_says_the_e_mail_is_confirmed_in_the_feminine(client):
    from sep_core.testing import sign_in

    user = User(email="anna@example.ru", phone="+79160000003", role="citizen", surname="Анна", first_name="А",
                session_token="x", email_confirmed_at=db.func.now())
    db.session.add(user)
    db.session.commit()
    sign_in(client, user)
    page = client.get("/cabinet").get_data(as_text=True)
    assert "подтверждена</span>" in page  # электронная почта … подтверждена
    assert "не подтверждён</span>" in page  # телефон … не подтверждён


def test_a_russian_question_in_the_english_interface_gets_an_answer(client):
    from sep_plugins.kb_keyword import demo

    demo.load(True)
    db.session.commit()
    token = csrf_token(client)
    ru = client.post("/api/v1/ask?lang=en", json={"question": "Как получить выписку из ЭПТС?"},
                     headers={"X-CSRFToken": token}).get_json()
    assert ru["decision"]["shown"], ru
    assert ru["summary"].startswith(("Found", "1 answer", "Answers")) or "answer" in ru["summary"].lower()
