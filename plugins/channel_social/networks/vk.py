"""VK community messages: Callback API in, ``messages.send`` out.

Protocol (dev.vk.com Callback API; VKCOM/vk-api-schema): the ``confirmation`` event is answered
with the configured string; every other event carries the community's ``secret`` inside the JSON
(no signature), is answered ``ok`` and is deduplicated by ``event_id``. Replies go through
``messages.send`` with a ``random_id`` chosen once per outbox row (VK drops a repeat with the same
id, so a retry never doubles a message). Errors 6 and 9 back off, 901 means the user does not
accept community messages.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from flask import Response
from sep_plugins.channel_social import texts
from sep_plugins.channel_social.base import SocialChannel, id_of, text_of

from sep_core import (
    DeliveryError,
    InboundEvent,
    JsonHttp,
    constant_time_equals,
    conversations,
    db,
    in_citizen_locale,
    json_error,
    send_mail,
)

#: Peer ids of group chats start here (2000000000 + chat_id).
CHAT_PEER_BASE = 2_000_000_000
TOO_MANY_REQUESTS, FLOOD_CONTROL, INTERNAL_ERROR, UNKNOWN_ERROR = 6, 9, 10, 1
CANNOT_SEND = 901


class VkApi:
    """The two calls the channel needs from the VK API."""

    def __init__(self, settings: dict[str, Any]):
        self.http = JsonHttp(settings["api_url"], settings["timeout"])
        self.token = settings["token"]
        self.version = settings["api_version"]

    def messages_send(self, peer_id: str, message: str, random_id: int):
        return self.http.request("POST", "/method/messages.send",
                                 form={"peer_id": peer_id, "message": message, "random_id": random_id,
                                       "v": self.version},
                                 headers={"Authorization": f"Bearer {self.token}"})


class VkChannel(SocialChannel):
    name = "vk"
    title = "ВКонтакте"
    defaults = {
        "group_id": 0,                               # the community's id; events of other groups are ignored
        "secret": "$env:SEP_VK_SECRET",              # "Секретный ключ" of the Callback API server
        "confirmation": "$env:SEP_VK_CONFIRMATION",  # the string VK expects back on "confirmation"
        "token": "$env:SEP_VK_TOKEN",                # community access token (messages)
        "api_url": "https://api.vk.ru",
        "api_version": "5.199",
        "flood_retry_seconds": 3600,                 # error 9: wait this long before retrying
    }
    required = ("secret", "token")
    rate_per_second = 20  # community token limit
    max_text = 4096

    def __init__(self, app, settings, common=None):
        super().__init__(app, settings, common)
        self.api = VkApi(settings)

    def check_settings(self) -> None:
        int(self.settings["group_id"] or 0)

    @staticmethod
    def _json(body: bytes) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            return None

    def _group_ok(self, data: dict) -> bool:
        expected = int(self.settings["group_id"] or 0)
        return not expected or data.get("group_id") == expected

    def handshake(self, body, headers, args):
        data = self._json(body) if body else None
        if not isinstance(data, dict) or data.get("type") != "confirmation":
            return None
        secret = data.get("secret")
        if (not self._group_ok(data) or not self.settings["confirmation"]
                or (secret is not None and not constant_time_equals(str(secret), self.settings["secret"]))):
            return json_error(403, "forbidden", "Unknown community or bad secret.")
        return Response(self.settings["confirmation"], mimetype="text/plain")

    def verify(self, body, headers):
        data = self._json(body)
        return isinstance(data, dict) and isinstance(data.get("secret"), str) and constant_time_equals(
            data["secret"], self.settings["secret"])

    def events(self, data, headers):
        event_id = id_of(data["event_id"])
        if data.get("type") != "message_new" or not self._group_ok(data):
            return [InboundEvent(event_id=event_id)]
        obj = data["object"]
        if not isinstance(obj, dict):
            raise TypeError("object must be an object")
        message = obj.get("message", obj)  # API >= 5.103: {message, client_info}; older: the message
        if not isinstance(message, dict):
            raise TypeError("message must be an object")
        text = text_of(message.get("text"))
        if message.get("out") == 1:  # our own message
            return [InboundEvent(event_id=event_id)]
        peer_id = int(id_of(message["peer_id"]))
        sender = id_of(message.get("from_id", peer_id))
        return [InboundEvent(event_id=event_id, sender=sender, text=text, reply_to=str(peer_id),
                             meta={"private": peer_id < CHAT_PEER_BASE})]

    def outgoing(self, to, text):
        payload = super().outgoing(to, text)
        payload["random_id"] = secrets.randbelow(2**31 - 1) + 1  # once per outbox row, reused on retry
        return payload

    def send(self, payload):
        result = self.api.messages_send(payload["to"], payload["text"], payload["random_id"])
        if result.status == 429 or result.status >= 500:
            raise DeliveryError(f"VK HTTP {result.status}", retry_after=result.retry_after())
        if not result.ok:
            raise DeliveryError(f"VK HTTP {result.status}", permanent=True)
        error = result.data.get("error") if isinstance(result.data, dict) else None
        if error is None:
            if not isinstance(result.data, dict) or "response" not in result.data:
                raise DeliveryError("VK: unexpected answer")
            return
        code = error.get("error_code") if isinstance(error, dict) else None
        if code == TOO_MANY_REQUESTS:
            raise DeliveryError("VK error 6: too many requests per second", retry_after=1)
        if code == FLOOD_CONTROL:
            raise DeliveryError("VK error 9: flood control",
                                retry_after=float(self.settings["flood_retry_seconds"]))
        if code in (INTERNAL_ERROR, UNKNOWN_ERROR):
            raise DeliveryError(f"VK error {code}: temporary")
        if code == CANNOT_SEND:
            self._fall_back_to_email(payload)
            raise DeliveryError("VK error 901: the user does not accept messages from the community",
                                permanent=True)
        raise DeliveryError(f"VK error {code}", permanent=True)

    def _fall_back_to_email(self, payload) -> None:
        """The user cannot be written to on VK: mark the chat, and e-mail a linked citizen the reply
        with the request link."""
        conversation = self.mark_chat(payload, conversations.NO_MESSAGES)
        user = conversations.linked_user(conversation) if conversation is not None else None
        if user is not None and user.email:
            with in_citizen_locale(user):
                subject = texts.vk_no_messages_subject()
                body = texts.vk_no_messages_body(payload["text"], self.request_url())
            send_mail(user.email, subject, body, dedupe_key=f"vk:901:{payload.get('random_id')}")
        db.session.flush()
