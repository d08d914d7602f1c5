"""Roles and the staff page; the identity check through another channel (hooks, storage, audit)."""

import re

import pytest

from sep_core import AuditEntry, User, db, hookimpl
from sep_core.accounts import create_or_update_staff

pytestmark = pytest.mark.sep_plugins("identity_check", "channel_web")

ADMIN_PASSWORD = "админ пароль длинный 1"


@pytest.fixture
def admin(app):
    user, _ = create_or_update_staff("admin@example.ru", "admin", [], ADMIN_PASSWORD, "Админов Админ")
    return user.id


def actions() -> list[str]:
    return [a.action for a in db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_create_staff_command_then_sign_in(app, runner, new_visitor):
    from sep_core.cli import create_staff

    result = runner.invoke(create_staff, args=["duty@example.ru", "--role", "duty",
                                 "--password", "дежурный пароль 12"])
    assert result.exit_code == 0, result.output
    visitor = new_visitor()
    assert visitor.login(login="duty@example.ru", password="дежурный пароль 12").status_code == 302
    html = visitor.client.get("/cabinet").get_data(as_text=True)
    assert "Дежурный специалист" in html
    assert 'id="missing-confirmations"' not in html  # staff need no contact confirmation
    assert visitor.client.get("/staff").status_code == 403


def test_admin_manages_roles_and_profiles(admin, new_visitor, mailbox):
    citizen = new_visitor()
    citizen.register_confirmed()
    visitor = new_visitor()
    visitor.login(login="admin@example.ru", password=ADMIN_PASSWORD)
    html = visitor.client.get("/staff").get_data(as_text=True)
    assert "admin@example.ru" in html and mailbox.email not in html
    response = visitor.post("/staff", {"email": mailbox.email, "role": "specialist",
                                       "profiles": ["registration_data", "tech_support"]})
    assert response.status_code == 302
    user = db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one()
    assert user.role == "specialist" and user.profiles == ["registration_data", "tech_support"]
    html = visitor.client.get("/staff").get_data(as_text=True)
    assert "Регистрационные данные, Техническая поддержка" in html
    assert "staff_role_changed" in actions() and "staff_list_viewed" in actions()
    # back to citizen: the staff rights go, at once
    db.session.remove()
    visitor.post("/staff", {"email": mailbox.email, "role": "citizen"})
    user = db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one()
    assert user.role == "citizen" and user.profiles == []
    # errors are form errors
    response = visitor.post("/staff", {"email": "nobody@example.ru", "role": "duty"})
    assert response.status_code == 400 and "Учётной записи с такой почтой нет" in response.get_data(as_text=True)
    response = visitor.post("/staff", {"email": mailbox.email, "role": "superuser"})
    assert response.status_code == 400 and "Недопустимое значение" in response.get_data(as_text=True)
    response = visitor.post("/staff", {"email": mailbox.email, "role": "specialist", "profiles": ["<b>x</b>"]})
    assert response.status_code == 400 and "Недопустимое значение" in response.get_data(as_text=True)
    response = visitor.post("/staff", {"email": "admin@example.ru", "role": "duty"})
    assert response.status_code == 400 and "Нельзя снять роль администратора" in response.get_data(as_text=True)


def test_staff_page_is_for_admins_only(new_visitor, mailbox):
    visitor = new_visitor()
    visitor.register_confirmed()
    assert visitor.client.get("/staff").status_code == 403
    assert visitor.post("/staff", {"email": mailbox.email, "role": "admin"}).status_code == 403
    assert db.session.execute(db.select(User.role).filter_by(email=mailbox.email)).scalar_one() == "citizen"


class Listener:
    def __init__(self):
        self.finished = []

    @hookimpl
    def sep_on_identity_checked(self, check):
        self.finished.append(check)


def start_check(app, user_email, channel, staff_id):
    user = db.session.execute(db.select(User).filter_by(email=user_email)).scalar_one()
    staff = db.session.get(User, staff_id)
    return app.extensions["sep"].pm.hook.sep_start_identity_check(user=user, channel=channel, requested_by=staff,
                                                                  reason="ticket 17")


def test_identity_check_through_another_channel(app, admin, visitor, mailbox, register_plugin):
    listener = Listener()
    register_plugin(listener, name="listener")
    visitor.register_confirmed()
    hook = app.extensions["sep"].pm.hook
    check_id = start_check(app, mailbox.email, "sms", admin)
    assert isinstance(check_id, int)
    status = hook.sep_identity_check_status(check_id=check_id)
    assert status["status"] == "pending" and status["channel"] == "sms" and status["requested_by_id"] == admin
    code = mailbox.code("sms", mailbox.phone)
    assert "подтверждения личности" in mailbox.rows("sms", mailbox.phone)[-1]["text"] or code
    # the citizen sees the request in the cabinet and types the code back
    html = visitor.client.get("/cabinet").get_data(as_text=True)
    assert "Центр поддержки просит вас подтвердить личность" in html
    action = re.search(r'action="(/cabinet/identity/\d+)"', html).group(1)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert visitor.post(action, {"code": wrong}).status_code == 302
    assert hook.sep_identity_check_status(check_id=check_id)["status"] == "pending"
    visitor.post(action, {"code": code})
    result = hook.sep_identity_check_status(check_id=check_id)
    assert result["status"] == "passed" and result["completed_at"]
    assert [c["status"] for c in listener.finished] == ["passed"]
    assert "identity_check_requested" in actions() and "identity_check_passed" in actions()
    assert "Центр поддержки просит" not in visitor.client.get("/cabinet").get_data(as_text=True)
    # a finished check stays finished
    assert hook.sep_verify_identity(check_id=check_id, code=code, user=None) == "passed"


def test_identity_check_fails_after_five_wrong_codes_and_expires(app, admin, visitor, mailbox, clock):
    visitor.register_confirmed()
    hook = app.extensions["sep"].pm.hook
    user = db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one()
    check_id = start_check(app, mailbox.email, "email", admin)
    code = mailbox.code("email", mailbox.email)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    outcomes = [hook.sep_verify_identity(check_id=check_id, code=wrong, user=user) for _ in range(5)]
    assert outcomes == ["wrong"] * 4 + ["failed"]
    assert hook.sep_verify_identity(check_id=check_id, code=code, user=user) == "failed"
    second = start_check(app, mailbox.email, "email", admin)
    clock.advance(minutes=11)
    assert hook.sep_identity_check_status(check_id=second)["status"] == "expired"
    assert "identity_check_failed" in actions() and "identity_check_expired" in actions()


def test_identity_check_belongs_to_its_citizen(app, admin, visitor, new_visitor, mailbox):
    visitor.register_confirmed()
    check_id = start_check(app, mailbox.email, "sms", admin)
    code = mailbox.code("sms", mailbox.phone)
    other = new_visitor()
    other.register_confirmed(email="petr@example.ru", phone="+79031112233")
    assert other.post(f"/cabinet/identity/{check_id}", {"code": code}).status_code == 404
    assert app.extensions["sep"].pm.hook.sep_identity_check_status(check_id=check_id)["status"] == "pending"


def test_identity_check_channels_and_unknown_channel(app, admin, visitor, mailbox):
    visitor.register_confirmed()
    user = db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one()
    from sep_core import identity_channels

    assert identity_channels(user) == ["email", "sms"]
    assert start_check(app, mailbox.email, "pigeon", admin) is None
    assert app.extensions["sep"].pm.hook.sep_identity_check_status(check_id=999) is None


class PigeonPost:
    """A channel plugin that can deliver codes to anyone."""

    sent = []

    @hookimpl
    def sep_identity_channels(self, user):
        return ["pigeon"]

    @hookimpl
    def sep_send_code(self, user, channel, code, purpose):
        if channel != "pigeon":
            return None
        self.sent.append((user.id, code, purpose))
        return True


def test_identity_check_through_a_channel_plugin(app, admin, visitor, mailbox, register_plugin):
    pigeon = PigeonPost()
    register_plugin(pigeon, name="pigeon")
    visitor.register_confirmed()
    check_id = start_check(app, mailbox.email, "pigeon", admin)
    assert check_id and pigeon.sent[-1][2] == f"identity:{check_id}"
    user = db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one()
    assert app.extensions["sep"].pm.hook.sep_verify_identity(check_id=check_id, code=pigeon.sent[-1][1],
                                                             user=user) == "passed"


@pytest.mark.parametrize("check_id", ["2147483648", "9223372036854775808", "99999999999999999999999"])
def test_identity_check_id_out_of_range_is_404_not_500(visitor, mailbox, check_id):
    visitor.register_confirmed()
    assert visitor.post(f"/cabinet/identity/{check_id}", {"code": "123456"}).status_code == 404


def test_identity_check_status_of_odd_ids_is_none(app):
    from sep_core import current_state

    hook = current_state().pm.hook
    for check_id in ("²", "-1", "2147483648", "abc"):
        assert hook.sep_identity_check_status(check_id=check_id) is None


def test_cabinet_shows_specialist_profiles_by_their_labels(admin, new_visitor, mailbox):
    citizen = new_visitor()
    citizen.register_confirmed()
    visitor = new_visitor()
    visitor.login(login="admin@example.ru", password=ADMIN_PASSWORD)
    visitor.post("/staff", {"email": mailbox.email, "role": "specialist", "profiles": ["registration_data"]})
    html = citizen.client.get("/cabinet").get_data(as_text=True)
    assert "Специалист (Регистрационные данные)" in html and "registration_data" not in html


def test_identity_check_double_submit_of_the_right_code_stays_passed(app, admin, visitor, mailbox, live_server):
    """Two submissions of the right code at once (a double click): one uses the code, the other
    must not turn the passed check into "expired"."""
    import threading
    import urllib.parse
    import urllib.request

    visitor.register_confirmed()
    check_id = start_check(app, mailbox.email, "sms", admin)
    code = mailbox.code("sms", mailbox.phone)
    token = visitor.token()
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = visitor.client.get_cookie(name).value
    barrier = threading.Barrier(6, timeout=20)

    def submit():
        request = urllib.request.Request(
            f"{live_server.url}/cabinet/identity/{check_id}", method="POST",
            data=urllib.parse.urlencode({"csrf_token": token, "code": code}).encode(),
            headers={"Cookie": f"{name}={cookie}", "Content-Type": "application/x-www-form-urlencoded"})
        barrier.wait()
        urllib.request.urlopen(request, timeout=30).read()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.remove()
    assert app.extensions["sep"].pm.hook.sep_identity_check_status(check_id=check_id)["status"] == "passed"
