"""Test helpers of channel_social: the core's fake platform API with each network's success
answers, a test answerer and a fake requests plugin, and helpers that post webhooks the way each
platform does. The pytest fixtures using them are in ``tests/conftest.py``. (Authors of channels in
other distributions use ``sep_core.testing``: ``fake_http_api``, ``deliver_outbox``...)"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sep_core import Answer, OutboxMessage, User, db, hookimpl, utcnow_naive
from sep_core.testing import FakeHttpApi, FakeResponse, deliver_outbox, sign_in

VK_SECRET = "vk-callback-secret"  # noqa: S105 (a test value)
VK_GROUP = 193668024
VK_CONFIRMATION = "a1b2c3d4"
TG_SECRET = "tg_secret-Token_42"  # noqa: S105 (a test value)
OK_PATH = "okWebhook_9f8e7d6c5b4a3210"
OK_ADDRESS = "217.20.145.200"  # inside 217.20.145.192/28
CLIENT_TIMEOUT = 0.4


Reply = FakeResponse  # Reply(status, body, headers, delay): one scripted answer of the fake API


class FakeApi(FakeHttpApi):
    """The core's fake platform API (``sep_core.testing.FakeHttpApi``) answering, by default, in
    the success format of the network whose path is called."""

    def default_body(self, path: str):
        if path.startswith("/method/"):
            return {"response": 1}
        if "/bot" in path:
            return {"ok": True, "result": {"message_id": 1}}
        if path.startswith("/graph/"):
            return {"success": True, "message_id": "mid:1"}
        if path.endswith("/me/messages"):
            return {"recipient_id": "1", "message_id": "m_1"}
        if path.startswith("/2/dm_conversations"):
            return {"data": {"dm_event_id": "1", "dm_conversation_id": "1-2"}}
        return {"ok": True}


class Answerer:
    """A test answerer: confident about passports, unsure about anything else."""

    @hookimpl
    def sep_answer(self, inquiry):
        if "паспорт" in inquiry.text.lower():
            return [Answer(source="test", confidence=0.9, title="ЭПТС", fragment_text="ЭПТС — электронный паспорт.")]
        return [Answer(source="test", confidence=0.1, title="?", fragment_text="не знаю")]


class FakeTickets:
    """A requests plugin that opens tickets (sep_open_ticket) and remembers them."""

    def __init__(self):
        self.opened: list[dict] = []

    @hookimpl
    def sep_open_ticket(self, user, subject, text, channel, inquiry):
        number = f"2026-{len(self.opened) + 1:06d}"
        self.opened.append({"user_id": user.id, "subject": subject, "text": text, "channel": channel,
                            "inquiry_id": inquiry.id, "number": number})
        return TicketRef(id=len(self.opened), number=number)


@dataclass
class TicketRef:
    id: int
    number: str


@dataclass
class TicketMessage:
    id: int
    body: str
    internal: bool = False
    from_staff: bool = True
    author_id: int | None = None


def network_config(api_url: str, **overrides) -> dict:
    config = {
        "vk": {"group_id": VK_GROUP, "api_url": api_url, "timeout": CLIENT_TIMEOUT},
        "ok": {"api_url": api_url, "timeout": CLIENT_TIMEOUT},
        "telegram": {"api_url": api_url, "timeout": CLIENT_TIMEOUT},
    }
    for key, value in overrides.items():
        if key in config and isinstance(value, dict):
            config[key].update(value)
        else:
            config[key] = value
    return config


# --- how each platform posts -----------------------------------------------------------------------


def vk_event(event_id: str, text: str = "Что такое электронный паспорт?", peer_id: int = 228970688,
             secret: str | None = VK_SECRET, **extra) -> dict:
    event = {"type": "message_new", "group_id": VK_GROUP, "event_id": event_id, "v": "5.199",
             "object": {"message": {"date": 1586054794, "from_id": peer_id if peer_id < 2_000_000_000 else 1,
                                    "id": 135, "out": 0, "peer_id": peer_id, "text": text,
                                    "conversation_message_id": 127, "fwd_messages": [], "important": False,
                                    "random_id": 0, "attachments": [], "is_hidden": False},
                        "client_info": {"button_actions": ["text"], "keyboard": True, "inline_keyboard": True,
                                        "lang_id": 0}}}
    if secret is not None:
        event["secret"] = secret
    event.update(extra)
    return event


def post_vk(client, event: dict | bytes, **kwargs):
    body = event if isinstance(event, bytes) else json.dumps(event, ensure_ascii=False).encode()
    return client.post("/hooks/vk", data=body, content_type="application/json", **kwargs)


def tg_update(update_id: int, text: str = "Что такое электронный паспорт?", chat_id: int = 1111111,
              chat_type: str = "private", **extra) -> dict:
    update = {"update_id": update_id,
              "message": {"message_id": 1, "from": {"id": 1111111 if chat_type == "private" else 2222, "is_bot": False,
                                                    "first_name": "Ivan"},
                          "chat": {"id": chat_id, "type": chat_type, "first_name": "Ivan"},
                          "date": 1700000000, "text": text}}
    update.update(extra)
    return update


def post_tg(client, update: dict | bytes, secret: str | None = TG_SECRET):
    body = update if isinstance(update, bytes) else json.dumps(update, ensure_ascii=False).encode()
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/hooks/telegram", data=body, content_type="application/json", headers=headers)


def ok_event(mid: str, text: str = "Что такое электронный паспорт?", chat: str = "chat:C3ecb9d02a600") -> dict:
    return {"sender": {"user_id": "user:123456789012"}, "recipient": {"chat_id": chat},
            "message": {"text": text, "seq": 98211023614189660, "mid": mid}, "timestamp": 1498581292941}


def post_ok(client, event: dict | bytes, address: str = OK_ADDRESS, path: str = OK_PATH):
    body = event if isinstance(event, bytes) else json.dumps(event, ensure_ascii=False).encode()
    return client.post(f"/hooks/ok/{path}", data=body, content_type="application/json",
                       environ_base={"REMOTE_ADDR": address})


# --- people --------------------------------------------------------------------------------------


def make_user(email="citizen@example.ru", role="citizen", confirmed=True) -> User:
    at = utcnow_naive() if confirmed else None
    user = User(email=email, phone="+7916" + str(abs(hash(email)) % 10_000_000).zfill(7), role=role,
                surname="Иванова", first_name="Мария", email_confirmed_at=at, phone_confirmed_at=at,
                session_token="tok-" + email)
    db.session.add(user)
    db.session.commit()
    return user




def outbox(kind: str | None = None) -> list[OutboxMessage]:
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.filter_by(kind=kind)
    return list(db.session.execute(query).scalars())


def deliver_all():
    return deliver_outbox()


def staff_page(app) -> str:
    """The staff conversations page as a duty specialist sees it."""
    client = app.test_client()
    email = "duty-viewer@example.ru"
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none() or make_user(email, "duty")
    sign_in(client, user)
    return client.get("/staff/social").get_data(as_text=True)
