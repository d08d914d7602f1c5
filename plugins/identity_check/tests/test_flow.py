"""The whole citizen flow through HTTP: register -> codes -> confirm -> sign in -> cabinet."""

import pytest

from sep_core import User, db

pytestmark = pytest.mark.sep_plugins("identity_check", "channel_web")


def user_by_email(email):
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
    db.session.refresh(user)
    return user


def test_register_confirm_both_then_cabinet(visitor, mailbox):
    response = visitor.register()
    assert response.status_code == 302 and response.headers["Location"].endswith("/confirm")
    user = user_by_email(mailbox.email)
    assert user.phone == mailbox.phone and user.surname == "Иванова"
    assert user.email_confirmed_at is None and user.phone_confirmed_at is None
    # the codes arrive by e-mail and SMS; the SMS text is the phone's, the e-mail's the address's
    email_code, sms_code = mailbox.code("email", mailbox.email), mailbox.code("sms", mailbox.phone)
    page = visitor.client.get("/confirm").get_data(as_text=True)
    assert "Код из письма" in page and "Код из SMS" in page
    assert visitor.confirm("email", email_code).status_code == 302
    # confirming one contact signs the citizen in; the cabinet says what is still missing
    cabinet = visitor.client.get("/cabinet").get_data(as_text=True)
    assert "Подтвердите телефон" in cabinet and "Вы пока не можете подавать заявки" in cabinet
    response = visitor.confirm("sms", sms_code)
    assert response.status_code == 302, response.get_data(as_text=True)
    cabinet = visitor.client.get("/cabinet")
    html = cabinet.get_data(as_text=True)
    assert cabinet.status_code == 200
    assert "Иванова Мария Петровна" in html and "не подтвержд" not in html
    assert 'id="missing-confirmations"' not in html
    user = user_by_email(mailbox.email)
    assert user.email_confirmed_at and user.phone_confirmed_at
    # consent recorded with its version
    data = visitor.client.get("/cabinet/export").get_json()
    assert data["consents"][0]["version"] == "2026-03-01"
    # sign out, then sign in again with the phone written another way
    assert visitor.post("/logout").status_code == 302
    assert visitor.client.get("/cabinet").status_code == 302
    response = visitor.login(login="+7 916 123 45 67")
    assert response.status_code == 302 and response.headers["Location"] == "/cabinet"
    assert visitor.client.get("/cabinet").status_code == 200


def test_codes_are_stored_hashed(visitor, mailbox):
    from sep_plugins.identity_check.models import OneTimeCode

    visitor.register()
    code = mailbox.code("email", mailbox.email)
    rows = db.session.execute(db.select(OneTimeCode)).scalars().all()
    assert len(rows) == 2
    assert all(code not in (r.code_hash + r.salt) and len(r.code_hash) == 64 for r in rows)


def test_api_flow(visitor, mailbox):
    c = visitor.client
    payload = {k: v for k, v in mailbox.citizen.items() if k != "consent"} | {"consent": True}
    response = visitor.api("/api/v1/auth/register", payload)
    assert response.status_code == 202
    assert response.get_json() == {"status": "confirmation_sent", "channels": ["email", "sms"]}
    response = visitor.api("/api/v1/auth/confirm", {"channel": "email", "code": mailbox.code("email", mailbox.email)})
    assert response.status_code == 200
    assert response.get_json()["user"]["missing_confirmations"] == ["sms"]
    response = visitor.api("/api/v1/auth/confirm", {"channel": "sms", "code": mailbox.code("sms", mailbox.phone)})
    assert response.get_json()["user"]["missing_confirmations"] == []
    assert c.get("/api/v1/auth/me").get_json()["user"]["phone_confirmed"] is True
    assert visitor.api("/api/v1/auth/logout").get_json() == {"status": "signed_out"}
    assert c.get("/api/v1/auth/me").status_code == 401
    response = visitor.api("/api/v1/auth/login", {"phone": "8-916-123-45-67", "password": mailbox.citizen["password"]})
    assert response.status_code == 200 and response.get_json()["user"]["full_name"] == "Иванова Мария Петровна"
    assert c.get("/api/v1/auth/me").status_code == 200
    response = visitor.api("/api/v1/auth/login", {"email": mailbox.email, "password": "wrong password here"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_credentials"


def test_api_routes_are_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("register", "confirm", "login", "logout", "csrf", "resend", "me"):
        assert f"/api/v1/auth/{path}" in paths
    assert "requestBody" in paths["/api/v1/auth/register"]["post"]


def test_nav_items_follow_sign_in(visitor, mailbox):
    html = visitor.client.get("/").get_data(as_text=True)
    assert 'href="/login">Войти' in html and 'href="/register">Регистрация' in html
    assert "/cabinet" not in html
    visitor.register_confirmed()
    html = visitor.client.get("/").get_data(as_text=True)
    assert 'href="/cabinet">Личный кабинет' in html and 'href="/logout">Выйти' in html
    assert 'href="/login"' not in html


def test_missing_confirmations_hook(app, visitor, mailbox):
    visitor.register()
    visitor.confirm("email", mailbox.code("email", mailbox.email))
    user = user_by_email(mailbox.email)
    user.is_authenticated  # noqa: B018 - flask-login's property
    assert app.extensions["sep"].pm.hook.sep_missing_confirmations(user=user) == [["sms"]]


@pytest.mark.sep_plugin_config("identity_check", {"required_confirmations": ["email"]})
def test_required_confirmations_are_configurable(app, visitor, mailbox):
    visitor.register()
    visitor.confirm("email", mailbox.code("email", mailbox.email))
    assert app.extensions["sep"].pm.hook.sep_missing_confirmations(user=user_by_email(mailbox.email)) == [[]]
    assert 'id="missing-confirmations"' not in visitor.client.get("/cabinet").get_data(as_text=True)


def test_development_sms_gateway_shows_codes_on_dev_page(app, visitor, mailbox):
    from pathlib import Path

    from sep_core.outbox import drain

    visitor.register()
    code = mailbox.code("sms", mailbox.phone)
    report = drain()
    assert report.sent == 2
    files = list((Path(app.instance_path) / "sms").glob("*.json"))
    assert len(files) == 1
    import json

    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert data["kind"] == "sms" and data["to"] == mailbox.phone and code in data["text"]
    page = visitor.client.get("/dev/mail").get_data(as_text=True)
    assert code in page and mailbox.phone in page


def test_production_without_an_sms_gateway_writes_no_codes_to_disk(make_app):
    """The file gateway is for development: in production a missing SMS gateway is a failed
    delivery (the outbox logs it), not phone numbers and live codes piling up in instance/sms/."""
    from pathlib import Path

    from sep_core.outbox import drain

    from .conftest import Visitor

    app = make_app({"SEP_ENV": "production", "SEP_PLUGINS": ["identity_check", "channel_web"]})
    with app.app_context():
        visitor = Visitor(app.test_client())
        assert visitor.register().status_code == 302
        report = drain()
        assert report.failed == 1  # the SMS: permanent failure, no retries
        assert not list((Path(app.instance_path) / "sms").glob("*"))
