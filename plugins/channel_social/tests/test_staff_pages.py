"""Conversations are visible to staff (with the channel shown), audited, and to nobody else."""

from __future__ import annotations

import pytest
from sep_plugins.channel_social.models import Conversation
from sep_plugins.channel_social.testing import (
    make_user,
    ok_event,
    post_ok,
    post_tg,
    post_vk,
    sign_in,
    tg_update,
    vk_event,
)

from sep_core import AuditEntry
from sep_core.outbox import drain


@pytest.fixture
def app(social):
    app = social()
    with app.app_context():
        yield app


def test_staff_see_conversations_per_social_user_with_the_channel(app, fake_api):
    post_vk(app.test_client(), vk_event("a1", text="Что такое паспорт?"))
    post_vk(app.test_client(), vk_event("a2", text="А где его взять?"))
    post_tg(app.test_client(), tg_update(1))
    post_ok(app.test_client(), ok_event("mid:1"))
    drain()
    staff = app.test_client()
    duty = make_user("duty@example.ru", role="duty")
    sign_in(staff, duty)
    page = staff.get("/staff/social")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for title in ("ВКонтакте", "Telegram", "Одноклассники"):
        assert title in html
    assert Conversation.query.count() == 3
    vk = Conversation.query.filter_by(channel="vk").one()
    detail = staff.get(f"/staff/social/{vk.id}").get_data(as_text=True)
    assert "Что такое паспорт?" in detail and "А где его взять?" in detail
    assert "ЭПТС — электронный паспорт." in detail
    assert detail.count('class="delivery delivery-sent"') == 2
    only_tg = staff.get("/staff/social?channel=telegram").get_data(as_text=True)
    assert "Ivan" in only_tg and f"/staff/social/{vk.id}\"" not in only_tg
    actions = {(a.action, a.object_type) for a in AuditEntry.query.filter_by(actor_id=duty.id)}
    assert {("list", "social_conversations"), ("view", "social_conversation")} <= actions


def test_citizens_and_visitors_cannot_see_conversations(app):
    post_tg(app.test_client(), tg_update(1))
    conversation_id = Conversation.query.one().id
    assert app.test_client().get("/staff/social").status_code == 401
    citizen = app.test_client()
    sign_in(citizen, make_user())
    assert citizen.get("/staff/social").status_code == 403
    assert citizen.get(f"/staff/social/{conversation_id}").status_code == 403


@pytest.mark.parametrize("query", ["?channel=<script>", "?page=abc", "?page=-5", "?page=99999999999999999999",
                                   "?channel=vk&page=2"])
def test_staff_list_survives_odd_queries(app, query):
    staff = app.test_client()
    sign_in(staff, make_user("duty@example.ru", role="duty"))
    response = staff.get("/staff/social" + query)
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


def test_unknown_conversation_is_404(app):
    staff = app.test_client()
    sign_in(staff, make_user("duty@example.ru", role="duty"))
    assert staff.get("/staff/social/12345").status_code == 404


def test_staff_navigation_item(app):
    from flask_login import login_user

    from sep_core.web import nav_items

    duty = make_user("duty@example.ru", role="duty")
    with app.test_request_context("/"):
        login_user(duty)
        assert ("Social networks", "/staff/social") in nav_items(duty) or \
            ("Соцсети", "/staff/social") in nav_items(duty)


def test_knowledge_base_editors_cannot_read_citizens_chats(app):
    # kb editors work on the bot's base (scrubbed questions); chats are personal data for the desk roles
    post_tg(app.test_client(), tg_update(1))
    conversation_id = Conversation.query.one().id
    editor_user = make_user("editor@example.ru", role="kb_editor")
    editor = app.test_client()
    sign_in(editor, editor_user)
    assert editor.get("/staff/social").status_code == 403
    assert editor.get(f"/staff/social/{conversation_id}").status_code == 403
    from flask_login import login_user

    from sep_core.web import nav_items

    with app.test_request_context("/"):
        login_user(editor_user)
        assert all(url != "/staff/social" for _, url in nav_items(editor_user))
    specialist = app.test_client()
    sign_in(specialist, make_user("spec@example.ru", role="specialist"))
    assert specialist.get(f"/staff/social/{conversation_id}").status_code == 200
