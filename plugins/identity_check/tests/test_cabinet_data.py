"""The cabinet: the slot for other plugins, the data download, and account deletion that leaves
no personal data in any table."""

import pytest
from markupsafe import Markup
from sqlalchemy import String, Text, inspect, text

from sep_core import InquiryLog, User, db, hookimpl

pytestmark = pytest.mark.sep_plugins("identity_check", "channel_web")


class SavedAnswers:
    """Another plugin: fills the cabinet slot, adds its data to the download, erases on deletion."""

    deleted = []

    @hookimpl
    def sep_ui_cabinet_sections(self, user):
        return [Markup("<section id='saved-answers'>Saved answers of {}</section>").format(user.first_name)]

    @hookimpl
    def sep_user_data(self, user):
        return {"saved_answers": [{"question": "Как получить ЭПТС?"}]}

    @hookimpl
    def sep_on_user_deleted(self, user, retention):
        self.deleted.append((user.id, retention))


def test_cabinet_shows_other_plugins_sections(app, visitor, register_plugin):
    register_plugin(SavedAnswers(), name="saved_answers")
    visitor.register_confirmed()
    html = visitor.client.get("/cabinet").get_data(as_text=True)
    assert "<section id='saved-answers'>Saved answers of Мария</section>" in html


def test_cabinet_needs_sign_in(client):
    response = client.get("/cabinet")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/cabinet"
    for path in ("/cabinet/export", "/cabinet/delete", "/cabinet/contact", "/staff"):
        assert client.get(path).status_code == 302


def test_download_my_data(app, visitor, mailbox, register_plugin):
    register_plugin(SavedAnswers(), name="saved_answers")
    visitor.register_confirmed()
    response = visitor.client.get("/cabinet/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = response.get_json()
    assert data["account"]["email"] == mailbox.email and data["account"]["phone"] == mailbox.phone
    assert data["account"]["surname"] == "Иванова" and data["account"]["email_confirmed_at"]
    assert data["consents"][0]["version"]
    assert data["saved_answers"] == [{"question": "Как получить ЭПТС?"}]
    assert "password_hash" not in response.get_data(as_text=True)


def every_text_value() -> list[str]:
    """Every string in every table of the database."""
    values = []
    inspector = inspect(db.engine)
    with db.engine.connect() as conn:
        for table in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(table)
                       if isinstance(c["type"], String | Text) or "JSON" in str(c["type"]).upper()]
            if not columns:
                continue
            quoted = ", ".join(f'"{c}"' for c in columns)
            for row in conn.execute(text(f'SELECT {quoted} FROM "{table}"')):  # noqa: S608 - names from the schema
                values.extend(str(v) for v in row if v is not None)
    return values


def test_deleting_the_account_leaves_no_personal_data(app, visitor, new_visitor, mailbox, register_plugin):
    plugin = SavedAnswers()
    register_plugin(plugin, name="saved_answers")
    visitor.register_confirmed()
    user_id = db.session.execute(db.select(User.id).filter_by(email=mailbox.email)).scalar_one()
    # more traces: a password reset mail, a contact change, an inquiry in the core log
    new_visitor().post("/reset", {"email": mailbox.email})
    visitor.post("/cabinet/contact", {"channel": "sms", "value": "+79035557788",
                                      "password": mailbox.citizen["password"]})
    db.session.add(InquiryLog(channel="web", user_id=user_id, text="Меня зовут Мария Иванова, тел. +79161234567"))
    db.session.commit()
    personal = [mailbox.email, mailbox.phone, "+79035557788", "Иванова", "Мария", "Петровна"]
    assert any(p in v for v in every_text_value() for p in personal)  # the search can find them

    page = visitor.client.get("/cabinet/delete").get_data(as_text=True)
    assert "обезличенными" in page  # the citizen is told what happens to their requests
    response = visitor.post("/cabinet/delete", {"password": "wrong", "confirm": "y"})
    assert response.status_code == 400
    response = visitor.post("/cabinet/delete", {"password": mailbox.citizen["password"], "confirm": "y"})
    assert response.status_code == 200 and "учётная запись удалена" in response.get_data(as_text=True)
    db.session.remove()

    leftovers = [v for v in every_text_value() for p in personal if p.lower() in v.lower()]
    assert leftovers == []
    assert plugin.deleted == [(user_id, "anonymise")]
    # signed out, cannot sign in again, and the audit log has the deletion (without personal data)
    assert visitor.client.get("/cabinet").status_code == 302
    assert visitor.login().status_code == 401
    actions = db.session.execute(text("SELECT action FROM audit_log")).scalars().all()
    assert "account_deleted" in actions
    # the address is free for a new registration
    assert new_visitor().register().status_code == 302
    assert db.session.execute(db.select(User).filter_by(email=mailbox.email)).scalar_one().id != user_id


@pytest.mark.sep_plugin_config("identity_check", {"requests_retention": "delete"})
def test_deletion_page_states_the_configured_retention(visitor):
    visitor.register_confirmed()
    html = visitor.client.get("/cabinet/delete").get_data(as_text=True)
    assert "Ваши заявки также будут удалены" in html
