"""No enumeration: known and unknown accounts get the same answers on registration, sign-in and
password reset."""

import re

import pytest

from sep_core import User, db

pytestmark = pytest.mark.sep_plugins("identity_check", "channel_web")


def normalised(html: str) -> str:
    """The page without what differs on every request anyway (the CSRF token) and the masked
    contacts the visitor typed (echoed alike whether or not they are taken)."""
    html = re.sub(r"[^\s>]•••@\S+", "EMAIL", html)
    html = re.sub(r"\+\d ••• •••-\d\d-\d\d", "PHONE", html)
    return re.sub(r'value="[^"]{30,}"', 'value="TOKEN"', html)


def test_registration_with_a_taken_email_looks_the_same(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    known, unknown = new_visitor(), new_visitor()
    a = known.register(phone="+79035550000")  # e-mail taken
    b = unknown.register(email="someone.else@example.ru", phone="+79035550001")
    assert a.status_code == b.status_code == 302
    assert a.headers["Location"] == b.headers["Location"]
    assert a.get_data() == b.get_data()
    # the confirmation pages are the same too (each names, masked, what its visitor typed)
    assert "s•••@example.ru" in unknown.client.get("/confirm").get_data(as_text=True)
    assert normalised(known.client.get("/confirm").get_data(as_text=True)) == normalised(
        unknown.client.get("/confirm").get_data(as_text=True))
    # the owner of the taken address is told by e-mail; no second account was made
    subjects = [r["subject"] for r in mailbox.rows("email", mailbox.email)]
    assert "Попытка регистрации с вашими контактными данными" in subjects
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar() == 2
    # a wrong code on the look-alike page gets the same kind of answer as a real one
    wa = known.api("/api/v1/auth/confirm", {"channel": "email", "code": "000000"})
    real_code = mailbox.code("email", "someone.else@example.ru")
    wrong = "000000" if real_code != "000000" else "000001"
    wb = unknown.api("/api/v1/auth/confirm", {"channel": "email", "code": wrong})
    assert wa.status_code == wb.status_code == 400
    assert wa.get_json() == wb.get_json()
    ra = known.api("/api/v1/auth/resend", {"channel": "sms"})
    rb = unknown.api("/api/v1/auth/resend", {"channel": "sms"})
    assert ra.status_code == rb.status_code == 429 and ra.get_json() == rb.get_json()


def test_api_registration_with_a_taken_phone_looks_the_same(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    base = {k: v for k, v in mailbox.citizen.items() if k != "consent"} | {"consent": True}
    a = new_visitor().api("/api/v1/auth/register", base | {"email": "x1@example.ru"})  # phone taken
    b = new_visitor().api("/api/v1/auth/register", base | {"email": "x2@example.ru", "phone": "+79035550002"})
    assert a.status_code == b.status_code == 202
    assert a.get_json() == b.get_json()


def test_sign_in_answers_the_same_for_unknown_accounts(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    visitor.post("/logout")
    wrong_password = new_visitor().login(password="not the password")
    unknown_email = new_visitor().login(login="nobody@example.ru", password="not the password")
    unknown_phone = new_visitor().login(login="+79990001122", password="not the password")
    assert wrong_password.status_code == unknown_email.status_code == unknown_phone.status_code == 401
    pages = {normalised(r.get_data(as_text=True)).replace("nobody@example.ru", "X").replace(mailbox.email, "X")
             .replace("+79990001122", "X") for r in (wrong_password, unknown_email)}
    assert len(pages) == 1
    a = new_visitor().api("/api/v1/auth/login", {"email": mailbox.email, "password": "not the password"})
    b = new_visitor().api("/api/v1/auth/login", {"email": "nobody@example.ru", "password": "not the password"})
    assert a.status_code == b.status_code == 401 and a.get_json() == b.get_json()


def test_password_reset_answers_the_same_for_unknown_accounts(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    before = len(mailbox.rows("email"))
    a = new_visitor().post("/reset", {"email": mailbox.email})
    b = new_visitor().post("/reset", {"email": "nobody@example.ru"})
    assert a.status_code == b.status_code == 200
    assert normalised(a.get_data(as_text=True)) == normalised(b.get_data(as_text=True))
    assert len(mailbox.rows("email")) == before + 1  # only the real account got a link
    assert mailbox.rows("email", "nobody@example.ru") == []


def test_reset_requests_per_account_are_limited_silently(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    pages = set()
    for _ in range(5):
        response = new_visitor().post("/reset", {"email": mailbox.email})
        assert response.status_code == 200
        pages.add(normalised(response.get_data(as_text=True)))
    assert len(pages) == 1
    links = [r for r in mailbox.rows("email", mailbox.email) if "/reset/" in r["body"]]
    assert len(links) == 3
