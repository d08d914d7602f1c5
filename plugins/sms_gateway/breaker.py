"""Holding SMS back while the gateway is down, so the worker does not spend a timeout per queued
message (and so delay e-mail) on an SMSC or API that is not answering or is throttling us."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from sep_core import DeliveryError


class GatewayDown(DeliveryError):
    """A temporary failure of the gateway as a whole (unreachable, timing out, refusing the bind,
    throttling, out of service), not of one message: the next SMS would fail the same way."""


def hold_back_when_down(app: Flask, deliver: Callable[[dict[str, Any]], None], hold_seconds: float):
    """Wrap a transport: after a :class:`GatewayDown`, the SMS that follow within
    ``hold_seconds`` (or the gateway's Retry-After) are deferred without trying, which the
    outbox does not count as an attempt. One try per hold period tells when it is back."""
    down_until: list[datetime | None] = [None]

    def guarded(payload: dict[str, Any]) -> None:
        now = app.extensions["sep"].clock()
        if down_until[0] is not None and now < down_until[0]:
            wait = (down_until[0] - now).total_seconds()
            raise DeliveryError("SMS gateway down a moment ago: held back", defer=True, retry_after=wait)
        try:
            deliver(payload)
        except GatewayDown as exc:
            down_until[0] = now + timedelta(seconds=exc.retry_after or hold_seconds)
            raise
        down_until[0] = None

    return guarded
