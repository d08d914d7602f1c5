"""Facebook Messenger and Instagram Messaging (Meta): webhook in, Send API out. Off by default
(Meta is blocked in Russia and unsuitable for public bodies there).

Protocol (developers.facebook.com webhooks, messenger-platform): the endpoint is verified with
``GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`` (echo the challenge); every POST
carries ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``; ``entry`` may hold
several items; echoes (``is_echo``) are dropped; dedupe by ``message.mid``; replies through the
Send API with ``messaging_type=RESPONSE``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import Response
from sep_plugins.channel_social.base import SocialChannel, id_of, text_of

from sep_core import DeliveryError, InboundEvent, JsonHttp, constant_time_equals, conversations, json_error

RETRY_CODES = {1, 2, 4, 17, 32, 613}   # unknown/temporary, app/user/page rate limits
UNAVAILABLE_CODES = {551}              # "this person isn't available right now"


def meta_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class SendApi:
    def __init__(self, settings: dict[str, Any]):
        self.http = JsonHttp(settings["api_url"], settings["timeout"])
        self.token = settings["page_token"]
        self.version = settings["api_version"]

    def send_text(self, recipient: str, text: str):
        return self.http.request("POST", f"/{self.version}/me/messages", params={"access_token": self.token},
                                 json_body={"recipient": {"id": recipient}, "messaging_type": "RESPONSE",
                                            "message": {"text": text}})


class FacebookChannel(SocialChannel):
    name = "facebook"
    title = "Facebook Messenger"
    object_type = "page"
    defaults = {
        "app_secret": "$env:SEP_FACEBOOK_APP_SECRET",
        "verify_token": "$env:SEP_FACEBOOK_VERIFY_TOKEN",
        "page_token": "$env:SEP_FACEBOOK_PAGE_TOKEN",
        "api_url": "https://graph.facebook.com",
        "api_version": "v24.0",
    }
    required = ("app_secret", "verify_token", "page_token")
    enabled_by_default = False
    rate_per_second = 250  # Send API: 300 calls/s per Page
    max_text = 2000

    def __init__(self, app, settings, common=None):
        super().__init__(app, settings, common)
        self.api = SendApi(settings)

    def handshake(self, body, headers, args):
        if body or "hub.mode" not in args:
            return None
        if args.get("hub.mode") == "subscribe" and constant_time_equals(args.get("hub.verify_token"),
                                                                         self.settings["verify_token"]):
            return Response(args.get("hub.challenge", "")[:200], mimetype="text/plain")
        return json_error(403, "forbidden", "Verify token does not match.")

    def verify(self, body, headers):
        expected = meta_signature(self.settings["app_secret"], body)
        return constant_time_equals(headers.get("X-Hub-Signature-256"), expected)

    def events(self, data, headers):
        if data.get("object") != self.object_type:
            return []
        entries = data["entry"]
        if not isinstance(entries, list):
            raise TypeError("entry must be a list")
        found = []
        for entry in entries:
            for item in (entry.get("messaging") or []) if isinstance(entry, dict) else []:
                message = item.get("message") if isinstance(item, dict) else None
                if not isinstance(message, dict) or message.get("is_echo") or "mid" not in message:
                    continue  # echoes of our sends, delivery and read receipts
                sender = item.get("sender") or {}
                found.append(InboundEvent(event_id=id_of(message["mid"]), sender=id_of(sender.get("id")),
                                          text=text_of(message.get("text")), meta={"private": True}))
        return found

    def send(self, payload):
        result = self.api.send_text(payload["to"], payload["text"])
        if result.ok:
            return
        error = result.data.get("error") if isinstance(result.data, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        if result.status == 429 or result.status >= 500 or code in RETRY_CODES:
            raise DeliveryError(f"{self.title} error {code or result.status}", retry_after=result.retry_after())
        if code in UNAVAILABLE_CODES:
            self.mark_chat(payload, conversations.CLOSED)
        raise DeliveryError(f"{self.title} error {code or result.status}", permanent=True)


class InstagramChannel(FacebookChannel):
    name = "instagram"
    title = "Instagram"
    object_type = "instagram"
    defaults = {
        "app_secret": "$env:SEP_INSTAGRAM_APP_SECRET",
        "verify_token": "$env:SEP_INSTAGRAM_VERIFY_TOKEN",
        "page_token": "$env:SEP_INSTAGRAM_PAGE_TOKEN",  # Page token with instagram_manage_messages
        "api_url": "https://graph.facebook.com",
        "api_version": "v24.0",
    }
    max_text = 1000
