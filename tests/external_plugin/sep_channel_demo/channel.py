"""The demo messenger's protocol: a JSON body signed with HMAC-SHA256 in ``X-Demo-Signature``;
replies are POSTed as JSON to the messenger's API."""

import hashlib
import hmac
import json

from sep_core import InboundEvent, JsonHttp, WebhookChannel, constant_time_equals, reply_text


class DemoChannel(WebhookChannel):
    name = "demo"
    title = "Demo messenger"

    def verify(self, body, headers):
        expected = hmac.new(self.settings["secret"].encode(), body, hashlib.sha256).hexdigest()
        return constant_time_equals(headers.get("X-Demo-Signature"), expected)

    def parse(self, body, headers):
        data = json.loads(body)  # any exception here: 400 for the platform, nothing stored
        if not isinstance(data["id"], int | str):
            raise TypeError("id must be a number or a string")
        if data.get("type") != "message":
            return [InboundEvent(event_id=str(data["id"]))]  # acknowledged, not answered
        if not isinstance(data["text"], str) or not isinstance(data["chat"], int | str):
            raise ValueError("message without text or chat")
        return [InboundEvent(event_id=str(data["id"]), sender=str(data["chat"]), text=data["text"])]

    def reply_payload(self, event, result):
        return {"chat": event.reply_to or event.sender, "text": reply_text(result)}

    def deliver(self, payload):  # called by `sep worker`, with retries
        api = JsonHttp(self.settings["api_url"], self.settings["timeout"])
        api.request("POST", "", json_body=payload).raise_for_delivery("Demo")
