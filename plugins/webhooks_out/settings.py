"""Settings of webhooks_out (``SEP_PLUGIN_CONFIG["webhooks_out"]``), flat so that an unknown key
stops start-up."""

from __future__ import annotations

from typing import Any

from sep_core import ConfigError

DEFAULTS: dict[str, Any] = {
    # Targets on loopback, private, link-local or otherwise reserved addresses are refused (a
    # webhook must not become a way to reach the centre's internal services: SSRF). True allows
    # them, for a receiver inside the centre's own network (and for tests on 127.0.0.1).
    "allow_private_targets": False,
    "timeout_seconds": 10,          # connect + answer of one delivery attempt
    "max_attempts": 12,             # attempts per delivery (backoff: SEP_OUTBOX_BACKOFF_*; ~6 h with the defaults)
    "rotation_overlap_hours": 24,   # after a rotation the old secret also signs for this long
    "subscriptions_cache_seconds": 5,  # how long a process trusts "nobody subscribes to this event"
    "log_page_size": 50,            # deliveries shown on /staff/webhooks
    "retention_days": 30,           # `sep webhooks purge` forgets finished deliveries older than this
}


def check(settings: dict[str, Any]) -> None:
    """Refuse settings that cannot work, at start-up."""
    for key in ("timeout_seconds", "rotation_overlap_hours", "subscriptions_cache_seconds", "retention_days"):
        value = settings[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"webhooks_out: {key} must be a number of at least 0, not {value!r}")
    for key in ("max_attempts", "log_page_size"):
        value = settings[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"webhooks_out: {key} must be a whole number of at least 1, not {value!r}")
    if not isinstance(settings["allow_private_targets"], bool):
        raise ConfigError("webhooks_out: allow_private_targets must be true or false")
