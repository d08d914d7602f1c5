"""One test per hook this plugin added to the core (the docs test looks for ``test_hook_<name>``)."""

import pytest

from sep_core import User, db, hookimpl
from sep_core.accounts import create_or_update_staff

pytestmark = pytest.mark.sep_plugins("identity_check", "channel_web")


def citizen(mailbox) -> User:
    return db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one()


def staff_member():
    user, _ = create_or_update_staff("duty@example.ru", "duty", [], "дежурный пароль 12", "Дежурнов Д")
    return user


def test_hook_sep_missing_confirmations(app, visitor, mailbox):
    hook = app.extensions["sep"].pm.hook
    visitor.register()
    user = citizen(mailbox)
    assert hook.sep_missing_confirmations(user=user) == [["email", "sms"]]
    visitor.confirm("sms", mailbox.code("sms", mailbox.phone))
    assert hook.sep_missing_confirmations(user=citizen(mailbox)) == [["email"]]
    assert hook.sep_missing_confirmations(user=staff_member()) == [[]]


def test_hook_sep_start_identity_check(app, visitor, mailbox):
    visitor.register_confirmed()
    hook = app.extensions["sep"].pm.hook
    staff = staff_member()
    check_id = hook.sep_start_identity_check(user=citizen(mailbox), channel="email", requested_by=staff,
                                             reason="ticket 5")
    body = mailbox.rows("email", mailbox.email)[-1]["body"]
    assert "для подтверждения личности по запросу центра поддержки" in body
    status = hook.sep_identity_check_status(check_id=check_id)
    assert (status["user_id"], status["requested_by_id"], status["reason"]) == (citizen(mailbox).id, staff.id,
                                                                              "ticket 5")
    assert hook.sep_start_identity_check(user=citizen(mailbox), channel="fax", requested_by=staff, reason="") is None


def test_hook_sep_verify_identity(app, visitor, mailbox):
    visitor.register_confirmed()
    hook = app.extensions["sep"].pm.hook
    check_id = hook.sep_start_identity_check(user=citizen(mailbox), channel="sms", requested_by=None, reason="")
    code = mailbox.code("sms", mailbox.phone)
    other = staff_member()
    assert hook.sep_verify_identity(check_id=check_id, code=code, user=other) == "unknown"
    assert hook.sep_verify_identity(check_id=check_id, code="12", user=citizen(mailbox)) == "wrong"
    assert hook.sep_verify_identity(check_id=check_id, code=code, user=citizen(mailbox)) == "passed"
    assert hook.sep_verify_identity(check_id=12345, code=code, user=None) == "unknown"


def test_hook_sep_identity_check_status(app, visitor, mailbox, clock):
    visitor.register_confirmed()
    hook = app.extensions["sep"].pm.hook
    check_id = hook.sep_start_identity_check(user=citizen(mailbox), channel="sms", requested_by=None, reason="")
    status = hook.sep_identity_check_status(check_id=check_id)
    assert status["status"] == "pending" and status["channel"] == "sms" and status["completed_at"] is None
    assert status["created_at"].endswith("Z")
    clock.advance(minutes=10, seconds=1)
    assert hook.sep_identity_check_status(check_id=check_id)["status"] == "expired"
    assert hook.sep_identity_check_status(check_id="nope") is None


class Recorder:
    def __init__(self):
        self.calls = []

    @hookimpl
    def sep_on_identity_checked(self, check):
        self.calls.append(("checked", check["id"], check["status"]))

    @hookimpl
    def sep_user_data(self, user):
        return {"recorder": {"user_id": user.id}, "account": {"overridden": True}}

    @hookimpl
    def sep_on_user_deleted(self, user, retention):
        self.calls.append(("deleted", user.email, retention))


def test_hook_sep_on_identity_checked(app, visitor, mailbox, register_plugin):
    recorder = Recorder()
    register_plugin(recorder, name="recorder")
    visitor.register_confirmed()
    hook = app.extensions["sep"].pm.hook
    check_id = hook.sep_start_identity_check(user=citizen(mailbox), channel="email", requested_by=None, reason="")
    assert recorder.calls == []
    hook.sep_verify_identity(check_id=check_id, code=mailbox.code("email", mailbox.email), user=None)
    assert recorder.calls == [("checked", check_id, "passed")]


def test_hook_sep_user_data(visitor, mailbox, register_plugin):
    register_plugin(Recorder(), name="recorder")
    visitor.register_confirmed()
    data = visitor.client.get("/cabinet/export").get_json()
    assert data["recorder"] == {"user_id": citizen(mailbox).id}
    assert data["account"]["email"] == mailbox.email  # an earlier plugin's key is kept


@pytest.mark.sep_plugin_config("identity_check", {"requests_retention": "delete"})
def test_hook_sep_on_user_deleted(visitor, mailbox, register_plugin):
    recorder = Recorder()
    register_plugin(recorder, name="recorder")
    visitor.register_confirmed()
    visitor.post("/cabinet/delete", {"password": mailbox.citizen["password"], "confirm": "y"})
    # called before the erasure: the plugin could still find its rows by the address
    assert recorder.calls == [("deleted", mailbox.email, "delete")]
