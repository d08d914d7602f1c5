"""Rate limits shared by every plugin: fixed-window counters per scope and subject.

Backed by Redis when ``SEP_REDIS_URL`` is set (shared by every web worker), in-process otherwise;
if Redis goes away the limiter keeps counting in-process rather than failing open. Windows are
counted on the app's clock (tests with a frozen clock are deterministic). Subjects (an e-mail, an
IP address) are hashed with the secret key: no personal data ends up in Redis.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from flask import Flask, current_app

from .clock import now

log = logging.getLogger("sep.ratelimit")

REDIS_PREFIX = "sep:rl:"


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
    def __init__(self, url: str, prefix: str = REDIS_PREFIX) -> None:
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


class RateLimiter:
    """``hit(scope, subject, limit, window)`` counts one attempt and says whether it is allowed.

    ``scope`` names what is limited (``"identity_check:login_ip"``); ``subject`` who (an IP, an
    account). A fixed window lets up to twice the limit through around a window boundary.
    """

    def __init__(self, backend, secret: str) -> None:
        self.backend = backend
        self.fallback = MemoryCounters()
        self.secret = secret

    def _key(self, scope: str, subject: str) -> str:
        digest = hashlib.sha256(f"{self.secret}|{subject}".encode()).hexdigest()[:32]
        return f"{scope}:{digest}"

    def _call(self, method: str, *args):
        try:
            return getattr(self.backend, method)(*args)
        except Exception as exc:  # Redis down: keep limiting in-process rather than fail open
            if self.backend is self.fallback:
                raise
            log.warning("rate-limit backend unavailable (%s); using in-process counters", type(exc).__name__)
            return getattr(self.fallback, method)(*args)

    def hit(self, scope: str, subject: str, limit: int, window: int) -> bool:
        bucket = int(now().timestamp()) // window
        return self._call("incr", self._key(scope, subject), bucket, window) <= limit

    def exceeded(self, scope: str, subject: str, limit: int, window: int) -> bool:
        """True when the limit is already reached, without counting an attempt."""
        bucket = int(now().timestamp()) // window
        return self._call("get", self._key(scope, subject), bucket) >= limit

    def clear(self, scope: str, subject: str) -> None:
        self._call("clear", self._key(scope, subject))


def init_rate_limiter(app: Flask) -> RateLimiter:
    url = app.config.get("SEP_REDIS_URL") or ""
    backend = RedisCounters(url) if url else MemoryCounters()
    return RateLimiter(backend, app.config["SECRET_KEY"])


def rate_limiter() -> RateLimiter:
    """The current app's limiter."""
    return current_app.extensions["sep"].rate_limiter
