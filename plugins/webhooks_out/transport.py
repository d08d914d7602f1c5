"""The outbox transport of kind ``webhook``: one signed POST per attempt.

2xx: delivered. 410 Gone: the receiver asks to stop — the subscription is disabled and the
delivery fails. Anything else (another status, a timeout, a refused connection) is retried with
the outbox's exponential backoff, honouring ``Retry-After``, up to ``max_attempts``. Redirects
are not followed (a 3xx is retried like any other failure)."""

from __future__ import annotations

import http.client
import socket
import ssl

from sep_core import DeliveryError, db, now, plugin_settings, retry_after_seconds, utcnow_naive

from . import signing, targets
from .models import Delivery, Subscription

USER_AGENT = "sep-helpdesk-webhooks/0.1"
MAX_ANSWER_BYTES = 64 * 1024


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def secrets_in_use(subscription: Subscription) -> list[str]:
    """The current secret, and the previous one while the rotation's overlap lasts."""
    in_use = [subscription.secret]
    if subscription.previous_secret and subscription.previous_secret_until \
            and subscription.previous_secret_until > utcnow_naive():
        in_use.append(subscription.previous_secret)
    return in_use


def post(target: targets.Target, headers: dict[str, str], body: bytes, timeout: float) -> tuple[int, dict[str, str]]:
    """POST to the checked address; (status, lower-cased headers). Network failures raise OSError."""
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = cls(target.host, target.port, target.addresses[0], timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_ANSWER_BYTES)
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def _record(delivery: Delivery, status: int | None, error: str) -> None:
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = error[:500]
    delivery.last_attempt_at = utcnow_naive()


def deliver(payload: dict) -> None:
    """The outbox transport (``sep worker`` calls it; the outbox commits after it)."""
    settings = plugin_settings("webhooks_out")
    delivery = db.session.get(Delivery, int(payload["delivery"]))
    if delivery is None:
        raise DeliveryError("webhook delivery no longer exists", permanent=True)
    subscription = db.session.get(Subscription, delivery.subscription_id)
    if subscription is None or not subscription.active:
        _record(delivery, None, "subscription disabled")
        raise DeliveryError("webhook subscription disabled", permanent=True)
    try:
        target = targets.resolve(subscription.url, allow_private=bool(settings["allow_private_targets"]))
    except targets.TargetError as exc:
        _record(delivery, None, f"refused target: {exc.code}")
        raise DeliveryError(f"webhook target refused ({exc.code})", permanent=True) from None
    if not target.addresses:
        _record(delivery, None, "host not found")
        raise DeliveryError("webhook host not found")
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               **signing.headers(secrets_in_use(subscription), delivery.event_id, int(now().timestamp()), body)}
    try:
        status, answer = post(target, headers, body, float(settings["timeout_seconds"]))
    except TimeoutError:
        _record(delivery, None, "timeout")
        raise DeliveryError("webhook timeout") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        _record(delivery, None, f"connection failed: {type(exc).__name__}")
        raise DeliveryError(f"webhook connection failed: {type(exc).__name__}") from None
    if 200 <= status < 300:
        _record(delivery, status, "")
        delivery.status = "delivered"
        delivery.delivered_at = utcnow_naive()
        return
    _record(delivery, status, f"HTTP {status}")
    if status == 410:
        subscription.active = False
        subscription.disabled_reason = "410 Gone"
        subscription.updated_at = utcnow_naive()
        raise DeliveryError("webhook HTTP 410: subscription disabled", permanent=True)
    raise DeliveryError(f"webhook HTTP {status}", retry_after=retry_after_seconds(answer.get("retry-after")))


def on_outbox_failed(message) -> None:
    """``sep_on_outbox_failed``: the delivery behind a webhook message failed for good."""
    if message.kind != "webhook":
        return
    delivery = db.session.execute(db.select(Delivery).where(Delivery.outbox_id == message.id)).scalar_one_or_none()
    if delivery is not None and delivery.status != "delivered":
        delivery.status = "failed"
        db.session.commit()


def next_attempt(delivery: Delivery):
    """When the outbox will try again (naive UTC), or None."""
    from sep_core import OutboxMessage

    if delivery.status != "pending" or delivery.outbox_id is None:
        return None
    message = db.session.get(OutboxMessage, delivery.outbox_id)
    return message.next_attempt_at if message is not None and message.status == "pending" else None

