"""Throttling of sign-in, registration, codes and resets, on the core's shared rate limiter
(Redis-backed when ``SEP_REDIS_URL`` is set). Limits are ``[count, window seconds]`` settings."""

from __future__ import annotations

from sep_core import plugin_settings, rate_limiter

SCOPE = "identity_check:"


def throttle():
    """The core limiter, with this plugin's scopes."""
    return _Scoped()


class _Scoped:
    def clear(self, scope: str, subject: str) -> None:
        rate_limiter().clear(SCOPE + scope, subject)


def limited(scope: str, subject: str, setting: str) -> bool:
    """Count one attempt against the ``[limit, window]`` setting; True when over the limit."""
    limit, window = plugin_settings("identity_check")[setting]
    return not rate_limiter().hit(SCOPE + scope, subject, int(limit), int(window))


def over(scope: str, subject: str, setting: str) -> bool:
    """True when the limit is already reached (without counting an attempt)."""
    limit, window = plugin_settings("identity_check")[setting]
    return rate_limiter().exceeded(SCOPE + scope, subject, int(limit), int(window))


def failed_before(scope: str, subject: str, setting: str) -> bool:
    """True when at least one attempt was counted in the current window of the setting."""
    _, window = plugin_settings("identity_check")[setting]
    return rate_limiter().exceeded(SCOPE + scope, subject, 1, int(window))
