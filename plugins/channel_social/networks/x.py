"""X (Twitter) direct messages: Account Activity webhook in, DM API out. Off by default (X is
blocked in Russia).

Protocol (docs.x.com webhooks, account-activity securing-webhooks): the CRC check
``GET ?crc_token=...`` is answered with ``{"response_token": "sha256=" + base64(HMAC-SHA256(consumer
secret, crc_token))}``; each POST carries ``x-twitter-webhooks-signature: sha256=<base64 HMAC of the
raw body>``; ``direct_message_events`` of type ``message_create`` are the messages; our own sends
(``sender_id == for_user_id``) are dropped; dedupe on the event ``id``; replies with ``POST
/2/dm_conversations/with/{participant_id}/messages``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from flask import jsonify
from sep_plugins.channel_social.base import SocialChannel, id_of, text_of

from sep_core import DeliveryError, InboundEvent, JsonHttp, constant_time_equals


def x_signature(secret: str, message: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class DmApi:
    def __init__(self, settings: dict[str, Any]):
        self.http = JsonHttp(settings["api_url"], settings["timeout"])
        self.token = settings["user_token"]

    def send_dm(self, participant_id: str, text: str):
        return self.http.request("POST", f"/2/dm_conversations/with/{participant_id}/messages",
                                 json_body={"text": text}, headers={"Authorization": f"Bearer {self.token}"})


class XChannel(SocialChannel):
    name = "x"
    title = "X"
    defaults = {
        "consumer_secret": "$env:SEP_X_CONSUMER_SECRET",  # the app's API secret (signs CRC and bodies)
        "user_token": "$env:SEP_X_USER_TOKEN",            # OAuth 2.0 user token with dm.write
        "api_url": "https://api.x.com",
    }
    required = ("consumer_secret", "user_token")
    enabled_by_default = False
    rate_per_second = 0.2  # 200 DMs per 15 minutes per user
    max_text = 10000

    def __init__(self, app, settings, common=None):
        super().__init__(app, settings, common)
        self.api = DmApi(settings)

    def handshake(self, body, headers, args):
        if body or "crc_token" not in args:
            return None
        return jsonify(response_token=x_signature(self.settings["consumer_secret"], args["crc_token"].encode()))

    def verify(self, body, headers):
        return constant_time_equals(headers.get("x-twitter-webhooks-signature"),
                                    x_signature(self.settings["consumer_secret"], body))

    def events(self, data, headers):
        owner = str(data.get("for_user_id", ""))
        items = data.get("direct_message_events") or []
        if not isinstance(items, list):
            raise TypeError("direct_message_events must be a list")
        found = []
        for item in items:
            if not isinstance(item, dict) or item.get("type") != "message_create":
                continue
            create = item["message_create"]
            sender = id_of(create["sender_id"])
            if sender == owner:
                continue  # our own reply, echoed back
            text = text_of((create.get("message_data") or {}).get("text"))
            found.append(InboundEvent(event_id=id_of(item["id"]), sender=sender, text=text, meta={"private": True}))
        return found

    def send(self, payload):
        result = self.api.send_dm(payload["to"], payload["text"])
        if result.ok:
            return
        if result.status == 429:
            reset = result.headers.get("x-rate-limit-reset")
            wait = max(1.0, float(reset) - time.time()) if reset and reset.isdigit() else result.retry_after(60)
            raise DeliveryError("X 429: rate limited", retry_after=wait)
        if result.status >= 500:
            raise DeliveryError(f"X HTTP {result.status}", retry_after=result.retry_after())
        raise DeliveryError(f"X HTTP {result.status}", permanent=True)
