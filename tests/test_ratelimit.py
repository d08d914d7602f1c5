"""The shared rate limiter, in-process and on the real Redis server (127.0.0.1:6379)."""

from __future__ import annotations

import uuid

import pytest

from sep_core import rate_limiter
from sep_core.accounts import hash_password, verify_password
from sep_core.testing import redis_client

pytestmark = pytest.mark.sep_plugins("channel_web")


def test_fixed_window_counts_per_scope_and_subject(app, clock):
    limiter = rate_limiter()
    clock.set("2026-03-02T10:00:00")
    assert [limiter.hit("test:login", "1.2.3.4", 2, 60) for _ in range(3)] == [True, True, False]
    assert limiter.hit("test:login", "5.6.7.8", 2, 60)  # another subject
    assert limiter.hit("test:other", "1.2.3.4", 2, 60)  # another scope
    assert limiter.exceeded("test:login", "1.2.3.4", 2, 60)
    clock.advance(seconds=60)
    assert limiter.hit("test:login", "1.2.3.4", 2, 60)  # a new window
    limiter.clear("test:login", "1.2.3.4")
    assert not limiter.exceeded("test:login", "1.2.3.4", 1, 60)


@pytest.mark.sep_config("SEP_REDIS_URL", "redis://127.0.0.1:6379/15")
def test_two_workers_share_counters_in_redis_without_personal_data(make_app):
    client = redis_client("redis://127.0.0.1:6379/15")
    first, second = make_app(), make_app()
    scope = f"test:{uuid.uuid4().hex}"
    try:
        with first.app_context():
            assert rate_limiter().hit(scope, "citizen@example.org", 2, 600)
        with second.app_context():
            assert rate_limiter().hit(scope, "citizen@example.org", 2, 600)
            assert not rate_limiter().hit(scope, "citizen@example.org", 2, 600)
        keys = list(client.scan_iter(f"sep:rl:{scope}:*"))
        assert len(keys) == 1 and b"example" not in keys[0]
    finally:
        for key in client.scan_iter(f"sep:rl:{scope}:*"):
            client.delete(key)


@pytest.mark.sep_config("SEP_REDIS_URL", "redis://127.0.0.1:1/0")
def test_unreachable_redis_falls_back_to_in_process_limits(app):
    limiter = rate_limiter()
    assert [limiter.hit("test:x", "s", 1, 60) for _ in range(2)] == [True, False]


def test_password_hashing_uses_the_configured_scrypt_cost(app):
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("scrypt:1024:8:1$")  # the test suite's cost; production: werkzeug's default

    class Account:
        password_hash = hashed

    assert verify_password(Account(), "correct horse battery staple")
    assert not verify_password(Account(), "wrong")
    assert not verify_password(None, "anything")
