"""The whole path: a citizen registers, identity_check queues the phone code, the worker sends
it through the SMPP backend to the local SMSC, the receipt is recorded, the citizen confirms
with the code the SMSC received, and staff see the delivery. Plus settings and the dev backend."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from types import SimpleNamespace

import pytest
from sep_plugins.sms_gateway.models import SmsMessage

from sep_core import AuditEntry, ConfigError, OutboxMessage, User, db, enqueue
from sep_core.outbox import drain
from sep_core.testing import csrf_token, sign_in

from .conftest import PLUGINS, app_for

CITIZEN = {
    "surname": "Иванова", "first_name": "Мария", "patronymic": "Петровна",
    "phone": "8 (916) 123-45-67", "email": "maria@example.ru",
    "password": "зелёный слон летит 42", "consent": "y",
}


def post(client, path: str, data: dict):
    return client.post(path, data={"csrf_token": csrf_token(client, "/api/v1/auth/csrf"), **data})


def staff(role: str) -> SimpleNamespace:
    """A user of ``role``; returns what sign_in needs, usable after the app context ends."""
    user = User(email=f"{role}@example.test", role=role, session_token=secrets.token_hex(8))
    db.session.add(user)
    db.session.commit()
    return SimpleNamespace(get_id=lambda user_id=user.id, token=user.session_token: f"{user_id}:{token}")


def test_citizen_confirms_the_phone_with_the_code_the_smsc_received(make_app, smsc):
    app = app_for(make_app, smsc.settings())
    citizen = app.test_client()
    assert post(citizen, "/register", CITIZEN).status_code == 302
    with app.app_context():
        assert drain().sent >= 2  # the e-mail code and the SMS code
    (text,) = smsc.texts()
    assert {(s.dest_addr, s.data_coding) for s in smsc.submits} == {("79161234567", 8)}
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert "код" in text.lower()  # the Russian text arrived intact

    assert post(citizen, "/confirm", {"channel": "sms", "sms-code": code}).status_code == 302
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == CITIZEN["email"])).scalar_one()
        assert user.phone_confirmed_at is not None
        rows = db.session.execute(db.select(SmsMessage).order_by(SmsMessage.part)).scalars().all()
        assert [r.provider_id for r in rows] == [s.message_id for s in smsc.submits]
        assert {(r.status, r.recipient) for r in rows} == {("delivered", "+7********67")}
        sms_outbox = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "sms")).scalar_one()
        assert {r.outbox_id for r in rows} == {sms_outbox.id}

        duty = staff("duty")
    page = sign_in(app.test_client(), duty).get("/staff/sms")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert smsc.submits[0].message_id in html and "+7********67" in html
    assert "9161234567" not in html and code not in html
    with app.app_context():
        assert db.session.execute(db.select(AuditEntry).where(AuditEntry.object_type == "sms_messages")).scalar_one()


def test_staff_page_is_for_staff_who_answer_citizens(make_app):
    app = make_app({"SEP_PLUGINS": PLUGINS})
    assert app.test_client().get("/staff/sms").status_code == 401
    with app.app_context():
        citizen, editor, admin = staff("citizen"), staff("kb_editor"), staff("admin")
    assert sign_in(app.test_client(), citizen).get("/staff/sms").status_code == 403
    assert sign_in(app.test_client(), editor).get("/staff/sms").status_code == 403
    admin_client = sign_in(app.test_client(), admin)
    assert admin_client.get("/staff/sms?status=nonsense").status_code == 200
    assert 'href="/staff/sms"' in admin_client.get("/").get_data(as_text=True)


def test_staff_page_in_english(make_app):
    app = make_app({"SEP_PLUGINS": PLUGINS})
    with app.app_context():
        admin = staff("admin")
    client = sign_in(app.test_client(), admin)
    english = client.get("/staff/sms?lang=en").get_data(as_text=True)
    russian = client.get("/staff/sms?lang=ru").get_data(as_text=True)
    assert "SMS delivery" in english and "Доставка SMS" in russian


def test_dev_backend_writes_files_and_records_a_row(make_app):
    app = make_app({"SEP_PLUGINS": PLUGINS})
    with app.app_context():
        enqueue("sms", {"to": "+79161234567", "text": "Код 123456"})
        db.session.commit()
        assert drain().sent == 1
        assert db.session.execute(db.select(SmsMessage)).scalar_one().status == "delivered"
    (path,) = Path(app.instance_path, "sms").glob("*.json")
    assert json.loads(path.read_text(encoding="utf-8"))["text"] == "Код 123456"


def test_dev_backend_refuses_in_production(make_app):
    app = make_app({"SEP_PLUGINS": PLUGINS, "SEP_ENV": "production", "SEP_MAIL_BACKEND": "file",
                    "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        enqueue("sms", {"to": "+79161234567", "text": "Код 123456"})
        db.session.commit()
        assert drain().failed == 1


@pytest.mark.parametrize(("settings", "message"), [
    ({"backend": "gsm-modem"}, "backend must be one of"),
    ({"backend": "smpp"}, "smpp_system_id is required"),
    ({"backend": "smpp", "smpp_system_id": "x", "smpp_bind": "receiver"}, "smpp_bind must be one of"),
    ({"backend": "http"}, "http_api_id is required"),
    ({"backend": "http", "http_api_id": "k", "http_base_url": "ftp://x"}, "http(s) URL"),
    ({"sender": "СЭП"}, "Latin"),
    ({"retention_days": 0}, "retention_days must be at least 1"),
])
def test_settings_that_cannot_work_stop_start_up(make_app, settings, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        app_for(make_app, settings)


def test_secrets_come_from_the_environment(make_app, smsc, monkeypatch):
    monkeypatch.setenv("TEST_SMPP_PASSWORD", smsc.password)
    app = app_for(make_app, smsc.settings(smpp_password="$env:TEST_SMPP_PASSWORD"))
    with app.app_context():
        enqueue("sms", {"to": "+79161234567", "text": "Код 123456"})
        db.session.commit()
        assert drain().sent == 1
    assert smsc.binds == ["transceiver"]


def test_listed_first_it_replaces_the_development_gateway(make_app, smsc):
    """With every built-in plugin (the default order) the SMPP backend wins the "sms" kind."""
    app = make_app({"SEP_PLUGINS": None, "SEP_PLUGIN_CONFIG": {"sms_gateway": smsc.settings()}})
    with app.app_context():
        enqueue("sms", {"to": "+79161234567", "text": "Код 123456"})
        db.session.commit()
        assert drain().sent == 1
    assert smsc.texts() == ["Код 123456"]
