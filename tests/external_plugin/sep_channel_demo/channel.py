"""The demo messenger's protocol: a JSON body signed with HMAC-SHA256 in ``X-Demo-Signature``;
replies are POSTed as JSON to the messenger's API."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from sep_core import DeliveryError, InboundEvent, RouteAction, WebhookChannel, constant_time_equals


class DemoChannel(WebhookChannel):
    name = "demo"
    title = "Demo messenger"

    def verify(self, body: bytes, headers) -> bool:
        secret = self.settings["secret"]
        if not secret:  # an unconfigured secret must never accept everything
            return False
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return constant_time_equals(headers.get("X-Demo-Signature"), expected)

    def parse(self, body: bytes, headers) -> list[InboundEvent]:
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("id"), int | str):
            raise ValueError("not a demo event")
        if data.get("type") != "message":
            return [InboundEvent(event_id=str(data["id"]))]  # acknowledged, not answered
        if not isinstance(data.get("text"), str) or not isinstance(data.get("chat"), int | str):
            raise ValueError("message without text or chat")
        return [InboundEvent(event_id=str(data["id"]), sender=str(data["chat"]), text=data["text"])]

    def reply_payload(self, event, result) -> dict:
        route = result.route
        if route.action == RouteAction.ANSWER and route.answer is not None:
            text = route.answer.fragment_text
        else:
            text = "We could not answer this automatically. Please file a request on the website."
        return {"chat": event.reply_to or event.sender, "text": text}

    def deliver(self, payload: dict) -> None:
        request = urllib.request.Request(
            self.settings["api_url"], data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.settings["timeout"]):
                return
        except urllib.error.HTTPError as exc:
            if exc.code == 429:
                raise DeliveryError("rate limited", retry_after=float(exc.headers.get("Retry-After", 1))) from exc
            raise DeliveryError(f"HTTP {exc.code}", permanent=400 <= exc.code < 500) from exc
        except OSError as exc:
            raise DeliveryError(f"unreachable: {type(exc).__name__}") from exc
