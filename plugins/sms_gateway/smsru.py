"""SMS.ru's documented HTTP API (``/sms/send`` and ``/sms/status`` with ``json=1``, and the
status callback), through the core's ``JsonHttp``.

Sending: ``POST {base}/sms/send`` with ``api_id``, ``to``, ``msg``, ``json=1`` (``from`` and
``test`` when set). The answer is ``{"status": "OK", "status_code": 100, "sms": {"<number>":
{"status": "OK", "status_code": 100, "sms_id": "..."}}}``; errors carry another
``status_code``. The provider splits long texts itself and bills them as one message.

What the outbox does with an answer: HTTP 429 and 5xx, network errors, a body that is not the
provider's JSON, and the codes the provider documents as temporary (220 service unavailable,
500 server error, 201 not enough money on the account, 206/230/231/232 sending limits) are
retried with backoff; every other error (202 invalid number, 207 no route, 209 stop list,
200/300/301 bad credentials ...) fails the message for good.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sep_core import DeliveryError, JsonHttp

from .breaker import GatewayDown

log = logging.getLogger("sep.sms_gateway.smsru")

TEMPORARY_CODES = {201, 206, 220, 230, 231, 232, 500}
#: Temporary codes about the account or the service, not one number: hold every SMS back.
ACCOUNT_CODES = {201, 206, 220, 500}
SMS_ID = re.compile(r"[0-9A-Za-z-]{1,80}")

#: SMS.ru message status codes -> our statuses.
STATUS_CODES = {
    -1: "unknown",      # message not found
    100: "submitted",   # queued
    101: "submitted",   # being passed to the operator
    102: "submitted",   # sent, in transit
    103: "delivered",
    104: "expired",     # lifetime ran out
    105: "failed",      # deleted by the operator
    106: "failed",      # phone failure
    107: "failed",      # unknown reason
    108: "failed",      # rejected
    110: "delivered",   # read (Viber)
    150: "failed",      # no route to the number
}


def message_status(code: int) -> str:
    return STATUS_CODES.get(code, "unknown")


class SmsRuClient:
    """Calls to one SMS.ru account; ``base_url`` lets tests and proxies point elsewhere."""

    def __init__(self, settings: dict[str, Any]):
        self.base_url = str(settings["http_base_url"]).rstrip("/")
        self.api_id = str(settings["http_api_id"])
        self.sender = str(settings["sender"])
        self.test = bool(settings["http_test"])
        self.timeout = float(settings["timeout_seconds"])

    def send(self, to: str, text: str) -> str:
        """Send one SMS; returns SMS.ru's ``sms_id``. Raises DeliveryError."""
        number = "".join(ch for ch in to if ch.isdigit())
        if not 8 <= len(number) <= 15:
            raise DeliveryError("SMS destination is not a phone number", permanent=True)
        form = {"api_id": self.api_id, "to": number, "msg": text, "json": "1"}
        if self.sender:
            form["from"] = self.sender
        if self.test:
            form["test"] = "1"
        answer = self._post("/sms/send", form)
        self._check(answer.get("status"), answer.get("status_code"), "request")
        entry = (answer.get("sms") or {}).get(number)
        if not isinstance(entry, dict):
            raise DeliveryError("SMS.ru: no result for the number in the answer")
        self._check(entry.get("status"), entry.get("status_code"), "message")
        sms_id = entry.get("sms_id")
        if not sms_id:
            raise DeliveryError("SMS.ru: accepted without an sms_id")
        return str(sms_id)

    def statuses(self, sms_ids: list[str]) -> dict[str, int]:
        """Status codes of up to 100 messages (``/sms/status``)."""
        answer = self._post("/sms/status", {"api_id": self.api_id, "sms_id": ",".join(sms_ids), "json": "1"})
        self._check(answer.get("status"), answer.get("status_code"), "request")
        found = {}
        for sms_id, entry in (answer.get("sms") or {}).items():
            if isinstance(entry, dict) and isinstance(entry.get("status_code"), int):
                found[str(sms_id)] = entry["status_code"]
        return found

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        """POST a form; 429/5xx and network errors raise a temporary DeliveryError (honouring
        Retry-After), other HTTP errors a permanent one."""
        try:
            result = JsonHttp(self.base_url, self.timeout).request("POST", path, form=form)
        except DeliveryError as exc:  # no answer at all
            raise GatewayDown(f"SMS.ru: {exc}") from None
        if result.status == 429 or result.status >= 500:
            raise GatewayDown(f"SMS.ru HTTP {result.status}", retry_after=result.retry_after())
        result.raise_for_delivery("SMS.ru")
        if not isinstance(result.data, dict):
            raise DeliveryError("SMS.ru answered something that is not JSON")
        return result.data

    @staticmethod
    def _check(status: Any, code: Any, what: str) -> None:
        if status == "OK":
            return
        code = code if isinstance(code, int) else -1
        reason = f"SMS.ru refused the {what}: status_code {code}"
        if code in ACCOUNT_CODES:
            raise GatewayDown(reason)
        raise DeliveryError(reason, permanent=code not in TEMPORARY_CODES)


def parse_callback(values: list[str]) -> list[tuple[str, int, datetime | None]]:
    """SMS.ru's callback posts ``data[]`` entries, each lines ``sms_status``, the sms_id, the
    status code and a Unix time. Returns (sms_id, code, time) for the well-formed ones."""
    found = []
    for value in values[:1000]:
        lines = value.replace("\r", "").split("\n")
        if len(lines) < 3 or lines[0] != "sms_status" or not lines[2].lstrip("-").isdigit():
            continue
        sms_id = lines[1].strip()
        if not SMS_ID.fullmatch(sms_id):  # SMS.ru ids are digits and dashes; refuse NUL and the rest
            continue
        at = None
        if len(lines) > 3 and lines[3].isdigit():
            at = datetime.fromtimestamp(int(lines[3]), UTC).replace(tzinfo=None)
        found.append((sms_id, int(lines[2]), at))
    return found


def smsru_transport(app, record_accepted: Callable[..., Any]):
    """The outbox transport ``deliver(payload)`` for the SMS.ru backend."""

    def deliver(payload: dict[str, Any]) -> None:
        client = SmsRuClient(app.extensions["sep"].settings("sms_gateway"))
        to = str(payload["to"])
        sms_id = client.send(to, str(payload["text"]))
        record_accepted("http", sms_id, to, provider_status="100")
        log.info("SMS accepted by SMS.ru")

    return deliver
