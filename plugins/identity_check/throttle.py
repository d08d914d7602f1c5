"""Throttling: fixed-window counters per account and per IP address.

Backed by Redis when ``SEP_REDIS_URL`` is set (shared by every web worker), in-process otherwise.
Windows are counted on the app's clock, so tests with a frozen clock are deterministic. Keys are
hashed: no e-mail address or phone number ends up in Redis.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from flask import Flask, current_app

from sep_core import now

log = logging.getLogger("sep.identity_check")

EXTENSION = "identity_check_throttle"


class MemoryCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, int]] = {}

    def incr(self, key: str, bucket: int, window: int) -> int:
        with self._lock:
            if len(self._counts) > 100_000:  # old windows are dropped wholesale
                self._counts = {k: v for k, v in self._counts.items() if v[0] >= bucket}
            old_bucket, count = self._counts.get(key, (bucket, 0))
            count = count + 1 if old_bucket == bucket else 1
            self._counts[key] = (bucket, count)
            return count

    def get(self, key: str, bucket: int) -> int:
        with self._lock:
            old_bucket, count = self._counts.get(key, (bucket, 0))
            return count if old_bucket == bucket else 0

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class RedisCounters:
    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.prefix = prefix

    def incr(self, key: str, bucket: int, window: int) -> int:
        name = f"{self.prefix}{key}:{bucket}"
        pipe = self.client.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 5)
        return int(pipe.execute()[0])

    def get(self, key: str, bucket: int) -> int:
        return int(self.client.get(f"{self.prefix}{key}:{bucket}") or 0)

    def clear(self, key: str) -> None:
        for name in self.client.scan_iter(f"{self.prefix}{key}:*"):
            self.client.delete(name)


class Throttle:
    """``hit(scope, subject, limit, window)`` counts one attempt and says whether it is allowed."""

    def __init__(self, backend, fallback: MemoryCounters | None = None) -> None:
        self.backend = backend
        self.fallback = fallback or MemoryCounters()

    @staticmethod
    def _key(scope: str, subject: str) -> str:
        digest = hashlib.sha256(f"{current_app.config['SECRET_KEY']}|{subject}".encode()).hexdigest()[:32]
        return f"{scope}:{digest}"

    def _call(self, method: str, *args):
        try:
            return getattr(self.backend, method)(*args)
        except Exception as exc:  # Redis down: keep throttling in-process rather than fail open
            if self.backend is self.fallback:
                raise
            log.warning("throttle backend unavailable (%s); using in-process counters", type(exc).__name__)
            return getattr(self.fallback, method)(*args)

    def hit(self, scope: str, subject: str, limit: int, window: int) -> bool:
        bucket = int(now().timestamp()) // window
        return self._call("incr", self._key(scope, subject), bucket, window) <= limit

    def exceeded(self, scope: str, subject: str, limit: int, window: int) -> bool:
        bucket = int(now().timestamp()) // window
        return self._call("get", self._key(scope, subject), bucket) >= limit

    def clear(self, scope: str, subject: str) -> None:
        self._call("clear", self._key(scope, subject))


def init_throttle(app: Flask, prefix: str) -> Throttle:
    url = app.config.get("SEP_REDIS_URL") or ""
    backend = RedisCounters(url, prefix) if url else MemoryCounters()
    throttle = Throttle(backend)
    app.extensions[EXTENSION] = throttle
    return throttle


def throttle() -> Throttle:
    return current_app.extensions[EXTENSION]


def limited(scope: str, subject: str, setting: str) -> bool:
    """Count one attempt against the ``[limit, window]`` setting; True when over the limit."""
    from sep_core import plugin_settings

    limit, window = plugin_settings("identity_check")[setting]
    return not throttle().hit(scope, subject, int(limit), int(window))


def over(scope: str, subject: str, setting: str) -> bool:
    """True when the limit is already reached (without counting an attempt)."""
    from sep_core import plugin_settings

    limit, window = plugin_settings("identity_check")[setting]
    return throttle().exceeded(scope, subject, int(limit), int(window))
