"""Odnoklassniki (OK.ru) Bot API: webhook in, ``/graph/me/messages/<chat>`` out.

Protocol (apiok.ru/dev/graph_api/bot_api): there is no handshake and no signature. The webhook is
subscribed at an unguessable URL (``/hooks/ok/<path_secret>``) and requests come only from OK's
networks (an optional allow-list, on by default with the documented ranges). Answer 200 within
5 s (the event is stored and the reply queued, nothing slow happens in the request);
deduplicate by ``message.mid``; reply to ``chat:<id>``. Errors follow OK's usual
``error_code``/``error_msg`` format; HTTP 5xx, 429 and timeouts are retried.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from flask import request
from sep_plugins.channel_social.base import SocialChannel, id_of, text_of

from sep_core import ConfigError, DeliveryError, InboundEvent, JsonHttp

PATH_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class OkApi:
    def __init__(self, settings: dict[str, Any]):
        self.http = JsonHttp(settings["api_url"], settings["timeout"])
        self.token = settings["token"]

    def send_message(self, chat_id: str, text: str):
        return self.http.request("POST", f"/graph/me/messages/{chat_id}", params={"access_token": self.token},
                                 json_body={"recipient": {"chat_id": chat_id}, "message": {"text": text}})


class OkChannel(SocialChannel):
    name = "ok"
    title = "Одноклассники"
    defaults = {
        "token": "$env:SEP_OK_TOKEN",                 # group token ("Работа с API" in the group's messages)
        "path_secret": "$env:SEP_OK_PATH_SECRET",     # 16+ random characters: the webhook is /hooks/ok/<this>
        "allowed_networks": ["217.20.145.192/28", "217.20.151.160/28", "217.20.153.48/28"],  # [] to allow any
        "api_url": "https://api.ok.ru",
        "retry_error_codes": [1, 2],                  # OK API UNKNOWN and SERVICE (temporarily unavailable)
    }
    required = ("token", "path_secret")
    rate_per_second = 10  # OK publishes no limit; a conservative default
    max_text = 4096

    def __init__(self, app, settings, common=None):
        super().__init__(app, settings, common)
        self.api = OkApi(settings)

    def check_settings(self) -> None:
        if not PATH_SECRET.match(self.settings["path_secret"]):
            raise ConfigError("channel_social ok: path_secret must be 16-128 characters A-Z a-z 0-9 _ -")
        try:
            self.networks = [ipaddress.ip_network(n, strict=False) for n in self.settings["allowed_networks"] or []]
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"channel_social ok: bad allowed_networks: {exc}") from exc

    def path(self) -> str:
        return f"/hooks/ok/{self.settings['path_secret']}"

    def verify(self, body, headers):
        if not self.networks:
            return True  # the unguessable path is the only check
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def events(self, data, headers):
        message = data.get("message")
        if message is None:  # chat system events, callbacks: nothing to answer and no id to keep
            return []
        if not isinstance(message, dict):
            raise TypeError("message must be an object")
        mid = id_of(message["mid"])
        sender, recipient = data.get("sender") or {}, data.get("recipient") or {}
        if not isinstance(sender, dict) or not isinstance(recipient, dict):
            raise TypeError("sender and recipient must be objects")
        chat_id = id_of(recipient["chat_id"])
        name = sender.get("name")
        return [InboundEvent(event_id=mid, sender=id_of(sender.get("user_id", chat_id)),
                             text=text_of(message.get("text")), reply_to=chat_id,
                             meta={"private": True, "name": name if isinstance(name, str) else ""})]

    def send(self, payload):
        result = self.api.send_message(payload["to"], payload["text"])
        data = result.data if isinstance(result.data, dict) else {}
        if result.status == 429 or result.status >= 500:
            raise DeliveryError(f"OK HTTP {result.status}", retry_after=result.retry_after())
        code = data.get("error_code")
        if code is not None:
            if code in (self.settings["retry_error_codes"] or []):
                raise DeliveryError(f"OK error {code}: temporary")
            raise DeliveryError(f"OK error {code}", permanent=True)
        if not result.ok:
            raise DeliveryError(f"OK HTTP {result.status}", permanent=True)
