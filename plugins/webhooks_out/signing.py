"""Signatures in the style of the Standard Webhooks specification.

Every delivery carries ``webhook-id`` (the event id, the same on every retry and resend),
``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``: ``v1,`` and the
base64 HMAC-SHA256, keyed with the secret's decoded bytes, of ``"<id>.<timestamp>.<body>"``.
During a rotation's overlap the header holds two signatures separated by a space (new first)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh ``whsec_<base64 of 32 random bytes>``."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64 part of ``whsec_...`` decoded."""
    if not secret.startswith(PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret[len(PREFIX):], validate=True)
    except binascii.Error as exc:
        raise ValueError("a webhook secret is base64 after whsec_") from exc
    if not key:
        raise ValueError("empty webhook secret")
    return key


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""
    mac = hmac.new(secret_key(secret), f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secrets_in_use: list[str], event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers of one attempt, signed with every secret in use (current first)."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": " ".join(sign(s, event_id, int(timestamp), body) for s in secrets_in_use),
    }
