"""Issue 17: one request's whole life sends the citizen only the configured e-mails, counted on a
real SMTP server on loopback (aiosmtpd), with absolute links from SEP_PUBLIC_URL, or from the
address the citizen used when a production deployer left it unset (never 127.0.0.1:5000)."""

from __future__ import annotations

import pytest

from sep_core import User, db
from sep_core.accounts import hash_password
from sep_core.outbox import drain
from sep_core.testing import csrf_token, sign_in

PLUGINS = ["channel_web", "tickets"]
CONFIRMED = {"email_confirmed_at": db.func.now()}


def users():
    citizen = User(email="ivan@example.org", role="citizen", surname="Иванов", first_name="Иван",
                   password_hash=hash_password("x" * 12), session_token="c", **CONFIRMED)
    duty = User(email="duty@example.org", role="duty", surname="Дежурная", first_name="Ольга",
                password_hash=hash_password("x" * 12), session_token="d", **CONFIRMED)
    db.session.add_all([citizen, duty])
    db.session.commit()
    return citizen, duty


def live_one_request(app, headers: dict | None = None) -> str:
    headers = headers or {}
    citizen, duty = users()
    client = app.test_client()
    sign_in(client, citizen)
    filed = client.post(
        "/requests/new", headers=headers, content_type="multipart/form-data",
        data={"csrf_token": csrf_token(client), "surname": "Иванов", "first_name": "Иван", "patronymic": "",
              "email": "ivan@example.org", "phone": "", "category": "extract", "subject": "Нужна выписка",
              "description": "Не могу скачать выписку из ЭПТС."})
    assert filed.status_code == 302, filed.get_data(as_text=True)
    number = filed.headers["Location"].rsplit("/", 1)[1]
    staff = app.test_client()
    sign_in(staff, duty)

    def desk(action, **fields):
        response = staff.post(f"/desk/requests/{number}/{action}", headers=headers, content_type="multipart/form-data",
                              data={"csrf_token": csrf_token(staff), **fields})
        assert response.status_code == 302, (action, response.status_code)

    desk("take")                                                   # internal: in progress
    desk("note", **{"note-body": "Похоже на ошибку дилера"})        # internal note
    desk("documents", **{"documents-body": "Скан СТС с обеих сторон"})  # e-mail 1
    reply = client.post(f"/requests/{number}/reply", headers=headers, content_type="multipart/form-data",
                        data={"csrf_token": csrf_token(client), "body": "Прикладываю скан"})
    assert reply.status_code == 302                                # resumes: internal
    desk("reply", **{"reply-body": "Выписка доступна в разделе «Документы»."})  # e-mail 2, the answer
    closed = client.post(f"/requests/{number}/close", headers=headers, data={"csrf_token": csrf_token(client)})
    assert closed.status_code == 302                               # closed by the citizen: nothing to tell
    while drain().handled:
        pass
    return number


@pytest.mark.sep_plugins(*PLUGINS)
def test_one_requests_life_sends_the_configured_emails_only(make_app, smtp_server):
    app = make_app({**smtp_server.config(), "SEP_PUBLIC_URL": "https://help.example.ru"})
    with app.app_context():
        number = live_one_request(app)
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert len(subjects) == 2, subjects  # documents and the answer: not filed, taken, resumed or closed
    assert "документы" in subjects[0] and "ответили" in subjects[1]
    assert all(m["To"] == "ivan@example.org" for m in smtp_server.messages)
    for message in smtp_server.messages:
        body = message.get_body(("plain",)).get_content()
        assert f"https://help.example.ru/requests/{number}" in body and "127.0.0.1" not in body
        assert "Похоже на ошибку дилера" not in body  # internal notes never leave the desk


@pytest.mark.sep_plugins(*PLUGINS)
def test_every_kind_can_be_switched_on_and_status_changes_never_are(make_app, smtp_server):
    kinds = ["received", "reply", "answer", "documents", "identity", "requirements", "closed", "status"]
    app = make_app({**smtp_server.config(), "SEP_PUBLIC_URL": "https://help.example.ru",
                    "SEP_PLUGIN_CONFIG": {"tickets": {"email_notifications": kinds}}})
    with app.app_context():
        live_one_request(app)
    subjects = [m["Subject"] for m in smtp_server.messages]
    # filed, documents, answer (the citizen closed it); "taken" and "resumed" stay in the cabinet even
    # when asked for
    assert len(subjects) == 3 and "получена" in subjects[0], subjects
    assert not any("статус" in s.lower() for s in subjects)


@pytest.mark.sep_plugins(*PLUGINS)
def test_links_without_public_url_in_production_use_the_citizens_address(make_app, smtp_server):
    app = make_app({**smtp_server.config(), "SEP_ENV": "production", "SECRET_KEY": "k" * 32,
                    "SEP_TRUSTED_PROXIES": 1})
    assert app.config["SEP_PUBLIC_URL"] == ""
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "help.example.org", "X-Forwarded-For": "198.51.100.7",
             "Referer": "https://help.example.org/"}  # what the TLS proxy in front says
    with app.app_context():
        number = live_one_request(app, proxy)
    bodies = [m.get_body(("plain",)).get_content() for m in smtp_server.messages]
    assert bodies and all(f"https://help.example.org/requests/{number}" in b for b in bodies)
    assert not any("127.0.0.1" in b for b in bodies)
