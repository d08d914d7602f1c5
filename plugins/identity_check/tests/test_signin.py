"""Sign-in and out, remember-me, session rotation, cookie flags, password reset, contact change,
throttling and CSRF."""

import re

import pytest

from sep_core import User, db

pytestmark = pytest.mark.sep_plugins("identity_check", "channel_web")

NEW_PASSWORD = "тихий вечер у реки 2026"


def reset_link(mailbox, email) -> str:
    body = mailbox.rows("email", email)[-1]["body"]
    return re.search(r"http://[^/\s]+(/reset/\S+)", body).group(1)


def test_sessions_are_per_device_and_sign_out_everywhere_ends_them_all(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    assert visitor.client.get("/cabinet").status_code == 200
    phone, third = new_visitor(), new_visitor()
    assert phone.login().status_code == 302 and third.login(remember="y").status_code == 302
    # signing in on the phone does not sign the computer out
    assert phone.client.get("/cabinet").status_code == 200
    assert visitor.client.get("/cabinet").status_code == 200
    # signing out on one device ends that device only
    assert third.post("/logout").status_code == 302
    assert third.client.get("/cabinet").status_code == 302
    assert visitor.client.get("/cabinet").status_code == 200
    # "sign out everywhere" ends every session, remember-me cookies too
    third.login(remember="y")
    assert phone.post("/logout/everywhere").status_code == 302
    for device in (phone, visitor, third):
        assert device.client.get("/cabinet").status_code == 302
    third.client.delete_cookie("sep_session")
    assert third.client.get("/cabinet").status_code == 302


def test_password_change_ends_the_other_sessions_and_keeps_this_one(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    phone = new_visitor()
    phone.login()
    wrong = visitor.post("/cabinet/password", {"current": "not my password", "password": NEW_PASSWORD,
                                               "password2": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Неверный пароль" in wrong.get_data(as_text=True)
    assert phone.client.get("/cabinet").status_code == 200
    done = visitor.post("/cabinet/password", {"current": mailbox.citizen["password"], "password": NEW_PASSWORD,
                                              "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert visitor.client.get("/cabinet").status_code == 200  # this device stays signed in
    assert phone.client.get("/cabinet").status_code == 302  # the other is signed out
    assert phone.login().status_code != 302 and phone.login(password=NEW_PASSWORD).status_code == 302
    assert "Your password was changed" in str(mailbox.rows("email", mailbox.email)[-1]) or \
        "пароль" in mailbox.rows("email", mailbox.email)[-1]["subject"].lower()


def test_password_reset_ends_every_session(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    phone = new_visitor()
    phone.login()
    stranger = new_visitor()
    stranger.post("/reset", {"email": mailbox.email})
    link = reset_link(mailbox, mailbox.email)
    assert stranger.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    assert visitor.client.get("/cabinet").status_code == 302 and phone.client.get("/cabinet").status_code == 302


def test_session_cookie_is_replaced_on_sign_in(visitor, mailbox):
    visitor.register_confirmed()
    visitor.post("/logout")
    visitor.client.get("/login")
    before = visitor.client.get_cookie("sep_session").value
    visitor.login()
    after = visitor.client.get_cookie("sep_session").value
    assert before != after


def test_cookie_flags_and_remember_me(visitor, mailbox):
    visitor.register_confirmed()
    visitor.post("/logout")
    response = visitor.login(remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("sep_session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in remember_cookie
    # the remember-me cookie alone signs the citizen in (a browser restarted: session cookie gone)
    token = visitor.client.get_cookie("remember_token").value
    visitor.client.delete_cookie("sep_session")
    visitor.client.set_cookie("remember_token", token)
    assert visitor.client.get("/cabinet").status_code == 200
    # without remember-me there is no such cookie
    visitor.post("/logout")
    response = visitor.login()
    assert not any(c.startswith("remember_token=") and "Expires=Thu, 01 Jan 1970" not in c
                   for c in response.headers.getlist("Set-Cookie"))


def test_session_cookie_is_secure_in_production(make_app):
    app = make_app({"SEP_ENV": "production", "SEP_PLUGINS": ["identity_check", "channel_web"]})
    client = app.test_client()
    response = client.get("/api/v1/auth/csrf")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("sep_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_password_reset_by_email(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    other = new_visitor()
    page = other.post("/reset", {"email": "MARIA.IVANOVA@example.ru"})
    assert page.status_code == 200 and "мы отправили на него ссылку" in page.get_data(as_text=True)
    link = reset_link(mailbox, mailbox.email)
    assert other.client.get(link, follow_redirects=True).status_code == 200
    response = other.post("/reset/password", {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    # the link works once; the old password no longer; every old session has ended
    assert other.client.get(link).status_code == 404
    assert visitor.client.get("/cabinet").status_code == 302
    assert other.login().status_code == 401
    assert other.login(password=NEW_PASSWORD).status_code == 302
    assert "Ваш пароль изменён" in [r["subject"] for r in mailbox.rows("email", mailbox.email)]


def test_reset_of_a_preregistered_address_drops_the_squatters_phone(app, visitor, new_visitor, mailbox):
    """Someone registers with another person's e-mail and their own phone, and confirms only the
    phone. When the address's owner resets the password, that phone must not stay on the account."""
    squatter = visitor
    squatter.register()
    squatter.confirm("sms", mailbox.code("sms", mailbox.phone))
    owner = new_visitor()
    owner.post("/reset", {"email": mailbox.email})
    link = reset_link(mailbox, mailbox.email)
    assert owner.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    from sep_core import User, db

    user = db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one()
    assert user.email_confirmed_at is not None
    assert (user.phone, user.phone_confirmed_at) == (None, None)
    # the owner signs in and the cabinet asks for their own phone
    assert owner.login(password=NEW_PASSWORD).status_code == 302
    cabinet = owner.client.get("/cabinet")
    assert cabinet.status_code == 200
    from sep_core import current_state

    assert current_state().pm.hook.sep_missing_confirmations(user=user) == [["sms"]]


def test_reset_keeps_the_phone_of_an_account_whose_email_was_confirmed(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    other = new_visitor()
    other.post("/reset", {"email": mailbox.email})
    other.post(reset_link(mailbox, mailbox.email), {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    from sep_core import User, db

    user = db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one()
    assert user.phone == mailbox.phone and user.phone_confirmed_at is not None


def test_reset_link_expires(visitor, mailbox, clock):
    visitor.register_confirmed()
    visitor.post("/reset", {"email": mailbox.email})
    link = reset_link(mailbox, mailbox.email)
    clock.advance(minutes=31)
    assert visitor.client.get(link).status_code == 404
    response = visitor.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 404
    assert visitor.client.get("/reset/not-a-token").status_code == 404


def test_reset_form_checks_the_new_password(visitor, mailbox):
    visitor.register_confirmed()
    visitor.post("/reset", {"email": mailbox.email})
    link = reset_link(mailbox, mailbox.email)
    response = visitor.post(link, {"password": "qwerty123456", "password2": "qwerty123456"})
    assert response.status_code == 400 and "слишком легко подобрать" in response.get_data(as_text=True)
    response = visitor.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert response.status_code == 400 and "Пароли не совпадают" in response.get_data(as_text=True)


def test_change_email_reconfirms_the_new_address(visitor, mailbox):
    visitor.register_confirmed()
    response = visitor.post("/cabinet/contact", {"channel": "email", "value": "new.maria@example.org",
                                                 "password": mailbox.citizen["password"]})
    assert response.status_code == 302
    code = mailbox.code("email", "new.maria@example.org")
    # nothing changes until the code is typed
    assert db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one_or_none() is not None
    db.session.remove()
    response = visitor.post("/cabinet/contact/confirm?channel=email", {"code": code})
    assert response.status_code == 302
    user = db.session.execute(db.select(User).filter_by(email="new.maria@example.org")).scalar_one()
    assert user.email_confirmed_at is not None
    # the old address is told
    assert "Адрес электронной почты изменён" in [r["subject"] for r in mailbox.rows("email", mailbox.email)]
    db.session.remove()
    visitor.post("/logout")
    assert visitor.login(login="new.maria@example.org").status_code == 302


def test_change_phone_reconfirms_the_new_number(visitor, mailbox):
    visitor.register_confirmed()
    response = visitor.post("/cabinet/contact", {"channel": "sms", "value": "+7 (903) 555-12-34",
                                                 "password": mailbox.citizen["password"]})
    assert response.status_code == 302
    code = mailbox.code("sms", "+79035551234")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = visitor.post("/cabinet/contact/confirm?channel=sms", {"code": wrong})
    assert response.status_code == 400
    response = visitor.post("/cabinet/contact/confirm?channel=sms", {"code": code})
    assert response.status_code == 302
    user = db.session.execute(db.select(User).filter_by(phone="+79035551234")).scalar_one()
    assert user.phone_confirmed_at is not None


def test_contact_change_needs_the_password(visitor, mailbox):
    visitor.register_confirmed()
    response = visitor.post("/cabinet/contact", {"channel": "email", "value": "new@example.org", "password": "nope"})
    assert response.status_code == 400 and "Неверный пароль" in response.get_data(as_text=True)
    assert mailbox.rows("email", "new@example.org") == []


def test_contact_of_another_account_cannot_be_taken_and_it_does_not_show(visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    other = new_visitor()
    other.register_confirmed(email="petr@example.ru", phone="+79031112233", surname="Петров", first_name="Пётр")
    taken = other.post("/cabinet/contact", {"channel": "email", "value": mailbox.email,
                                            "password": mailbox.citizen["password"]})
    free = other.post("/cabinet/contact", {"channel": "sms", "value": "+79037778899",
                                           "password": mailbox.citizen["password"]})
    assert taken.status_code == free.status_code == 302
    # no code went to the other person's address
    assert len(mailbox.rows("email", mailbox.email)) == 1  # only her own registration code
    assert len(mailbox.rows("sms", "+79037778899")) == 1
    response = other.post("/cabinet/contact/confirm?channel=email", {"code": "000000"})
    assert response.status_code == 400


@pytest.mark.sep_plugin_config("identity_check", {"login_per_account": [3, 900]})
def test_login_is_throttled_per_account(visitor, new_visitor, mailbox, clock):
    visitor.register_confirmed()
    visitor.post("/logout")
    for _ in range(3):
        assert visitor.login(password="wrong password!").status_code == 401
    # even the right password is refused now, and an unknown account behaves the same
    response = visitor.login()
    assert response.status_code == 429
    assert "Слишком много попыток" in response.get_data(as_text=True)
    unknown = new_visitor()
    for _ in range(3):
        unknown.login(login="nobody@example.ru", password="wrong password!")
    assert unknown.login(login="nobody@example.ru", password="wrong password!").status_code == 429
    # the window passes
    clock.advance(minutes=15)
    assert visitor.login().status_code == 302


@pytest.mark.sep_plugin_config("identity_check", {"login_per_ip": [3, 900]})
def test_login_is_throttled_per_ip(visitor, clock):
    for n in range(3):
        assert visitor.login(login=f"a{n}@example.ru", password="wrong password!").status_code == 401
    assert visitor.login(login="a9@example.ru", password="wrong password!").status_code == 429
    api = visitor.api("/api/v1/auth/login", {"email": "b@example.ru", "password": "x"})
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "rate_limited"
    clock.advance(minutes=16)
    assert visitor.login(login="a9@example.ru", password="wrong password!").status_code == 401


@pytest.mark.sep_config("SEP_REDIS_URL", "redis://127.0.0.1:6379/15")
@pytest.mark.sep_plugin_config("identity_check", {"login_per_ip": [2, 900]})
def test_throttling_uses_redis_when_configured(app, visitor):
    import uuid

    from sep_core.testing import redis_client

    client = redis_client(app.config["SEP_REDIS_URL"])
    throttle = app.extensions["sep"].rate_limiter
    throttle.backend.prefix = f"sep:test:{uuid.uuid4().hex}:"
    for _ in range(2):
        assert visitor.login(login="x@example.ru", password="wrong password!").status_code == 401
    assert visitor.login(login="x@example.ru", password="wrong password!").status_code == 429
    keys = list(client.scan_iter(throttle.backend.prefix + "*"))
    assert keys and not any(b"example" in k for k in keys)  # hashed, no address in Redis
    # a second web worker (another app on the same Redis) sees the same counters
    assert throttle.backend.get(keys[0].decode()[len(throttle.backend.prefix):].rsplit(":", 1)[0],
                                int(keys[0].decode().rsplit(":", 1)[1])) >= 2
    for key in keys:
        client.delete(key)


FORMS = [
    ("/register", {"surname": "Иванов"}),
    ("/login", {"login": "a@example.ru", "password": "x"}),
    ("/reset", {"email": "a@example.ru"}),
    ("/confirm", {"channel": "email", "email-code": "123456"}),
    ("/confirm/resend", {"channel": "email"}),
    ("/logout", {}),
]
SIGNED_IN_FORMS = [
    ("/cabinet/contact", {"channel": "email", "value": "n@example.ru", "password": "x"}),
    ("/cabinet/contact/confirm?channel=email", {"code": "123456"}),
    ("/cabinet/delete", {"password": "x", "confirm": "y"}),
    ("/cabinet/identity/1", {"code": "123456"}),
    ("/staff", {"email": "a@example.ru", "role": "duty"}),
]


def test_every_form_needs_the_csrf_token(visitor, mailbox):
    for path, data in FORMS:
        response = visitor.client.post(path, data=data)
        assert response.status_code == 400, path
        assert "Срок действия формы истёк" in response.get_data(as_text=True)
    visitor.register_confirmed()
    for path, data in SIGNED_IN_FORMS:
        response = visitor.client.post(path, data=data)
        assert response.status_code == 400, path
    assert visitor.client.get("/cabinet").status_code == 200  # still signed in, nothing deleted
    link_data = {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert visitor.client.post("/reset/anything", data=link_data).status_code == 400


def test_every_api_post_needs_the_csrf_header(client):
    for path in ("register", "confirm", "resend", "login", "logout"):
        response = client.post(f"/api/v1/auth/{path}", json={"email": "a@example.ru", "password": "x"})
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "csrf_failed"


def test_sign_in_redirects_only_to_local_pages(visitor, mailbox):
    visitor.register_confirmed()
    visitor.post("/logout")
    for target, expected in (("//evil.example/x", "/cabinet"), ("https://evil.example/", "/cabinet"),
                             ("/confirm", "/confirm")):
        response = visitor.client.post(f"/login?next={target}", data={
            "csrf_token": visitor.token(), "login": mailbox.email, "password": mailbox.citizen["password"]})
        assert response.headers["Location"] == expected
    # a signed-in citizen is sent from the registration page to the cabinet
    assert visitor.client.get("/register").headers["Location"] == "/cabinet"
    response = visitor.api("/api/v1/auth/register", {"email": "x@example.ru"})
    assert response.status_code == 409


@pytest.mark.sep_config("SEP_REDIS_URL", "redis://127.0.0.1:1/0")
@pytest.mark.sep_plugin_config("identity_check", {"login_per_ip": [2, 900]})
def test_throttling_falls_back_to_in_process_counters_when_redis_is_down(visitor):
    for _ in range(2):
        assert visitor.login(login="x@example.ru", password="wrong password!").status_code == 401
    assert visitor.login(login="x@example.ru", password="wrong password!").status_code == 429


def test_the_reset_token_leaves_the_url_on_the_first_visit(visitor, new_visitor, mailbox):
    """Issue 13 item 9: the e-mailed link's token is exchanged for a session value on the first GET
    and the browser lands on a clean URL; the form posts there; the token works once."""
    visitor.register_confirmed()
    visitor.post("/reset", {"email": mailbox.email})
    link = reset_link(mailbox, mailbox.email)
    token = link.rsplit("/", 1)[1]
    opened = visitor.client.get(link)
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/reset/password")
    page = visitor.client.get("/reset/password")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and token not in body and 'name="password"' in body
    assert new_visitor().client.get("/reset/password").status_code == 404  # another browser has no token
    done = visitor.post("/reset/password", {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and token not in done.headers["Location"]
    assert visitor.client.get("/reset/password").status_code == 404  # used once
    assert visitor.client.get(link).status_code == 404
    assert visitor.login(password=NEW_PASSWORD).status_code == 302
