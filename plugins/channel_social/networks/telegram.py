"""Telegram Bot API: webhook in, ``sendMessage`` out.

Protocol (core.telegram.org/bots/api): ``setWebhook`` with a ``secret_token`` that Telegram sends
back in ``X-Telegram-Bot-Api-Secret-Token`` on every update (a constant-time compare, no HMAC);
updates are deduplicated by ``update_id``; replies with ``sendMessage``. A 429 carries
``parameters.retry_after``; 403 means the user blocked the bot (the chat is closed); a 400 with
``migrate_to_chat_id`` moves a group to its supergroup.
"""

from __future__ import annotations

import re
from typing import Any

from sep_plugins.channel_social.base import SocialChannel, id_of, text_of

from sep_core import ConfigError, DeliveryError, InboundEvent, JsonHttp, constant_time_equals, conversations

SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramApi:
    def __init__(self, settings: dict[str, Any]):
        self.http = JsonHttp(settings["api_url"], settings["timeout"])
        self.token = settings["token"]

    def send_message(self, chat_id: str, text: str):
        return self.http.request("POST", f"/bot{self.token}/sendMessage", json_body={"chat_id": chat_id, "text": text})


class TelegramChannel(SocialChannel):
    name = "telegram"
    title = "Telegram"
    defaults = {
        "token": "$env:SEP_TELEGRAM_TOKEN",                # from @BotFather
        "secret_token": "$env:SEP_TELEGRAM_SECRET_TOKEN",  # the secret_token given to setWebhook
        "api_url": "https://api.telegram.org",
    }
    required = ("token", "secret_token")
    rate_per_second = 30  # bulk limit; about one message per second per chat
    max_text = 4096

    def __init__(self, app, settings, common=None):
        super().__init__(app, settings, common)
        self.api = TelegramApi(settings)

    def check_settings(self) -> None:
        if not SECRET_TOKEN.match(self.settings["secret_token"]):
            raise ConfigError("channel_social telegram: secret_token must be 1-256 characters A-Z a-z 0-9 _ -")

    def verify(self, body, headers):
        return constant_time_equals(headers.get("X-Telegram-Bot-Api-Secret-Token"), self.settings["secret_token"])

    def events(self, data, headers):
        update_id = data["update_id"]
        if isinstance(update_id, bool) or not isinstance(update_id, int):
            raise TypeError("update_id must be an integer")
        event_id = str(update_id)
        message = data.get("message")
        if message is None:  # edited messages, callbacks, member updates: acknowledged only
            return [InboundEvent(event_id=event_id)]
        if not isinstance(message, dict):
            raise TypeError("message must be an object")
        chat, sender = message.get("chat"), message.get("from") or {}
        if not isinstance(chat, dict) or not isinstance(sender, dict):
            raise TypeError("chat and from must be objects")
        text = text_of(message.get("text"))
        if sender.get("is_bot") is True:
            return [InboundEvent(event_id=event_id)]
        chat_id = id_of(chat["id"])
        return [InboundEvent(event_id=event_id, sender=id_of(sender.get("id", chat_id)), text=text,
                             reply_to=chat_id,
                             meta={"private": chat.get("type") == "private",
                                   "name": sender.get("first_name") if isinstance(sender.get("first_name"), str)
                                   else ""})]

    def send(self, payload):
        result = self.api.send_message(payload["to"], payload["text"])
        data = result.data if isinstance(result.data, dict) else {}
        if result.ok and data.get("ok") is True:
            return
        parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        description = str(data.get("description") or "")[:200]
        if result.status == 429:
            retry_after = parameters.get("retry_after")
            raise DeliveryError("Telegram 429: too many requests",
                                retry_after=float(retry_after) if isinstance(retry_after, int | float)
                                else result.retry_after(5))
        if result.status == 403:
            self.mark_chat(payload, conversations.CLOSED)
            raise DeliveryError(f"Telegram 403: {description or 'forbidden'}; the chat is closed", permanent=True)
        if result.status == 400 and parameters.get("migrate_to_chat_id") and not payload.get("migrated"):
            new_chat = str(parameters["migrate_to_chat_id"])
            self.move_chat(payload, new_chat)  # later replies go to the supergroup
            self.send({**payload, "to": new_chat, "migrated": True})
            return
        if result.status >= 500 or result.status == 0:
            raise DeliveryError(f"Telegram HTTP {result.status}", retry_after=result.retry_after())
        raise DeliveryError(f"Telegram HTTP {result.status}: {description}", permanent=True)
