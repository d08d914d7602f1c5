"""The base of channel_social's networks: :class:`SocialChannel`.

Everything a chat channel shares (conversations, account linking, the request fallback, staff
pages, send rates, closing a blocked chat) comes from the core's ``ConversationalChannel``; a
network is one subclass implementing ``verify``, ``events`` and ``send``. This base adds only how
channel_social configures its networks: one settings dict per network
(``SEP_PLUGIN_CONFIG["channel_social"]["<name>"]``) merged over the class's ``defaults``, a network
switched on once its ``required`` settings are present, and the plugin's shared links.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from flask import Flask

from sep_core import ConfigError, ConversationalChannel, id_of, text_of

__all__ = ["COMMON_DEFAULTS", "SocialChannel", "id_of", "resolve", "text_of"]

#: Settings every network has, besides its own ``defaults``.
COMMON_DEFAULTS: dict[str, Any] = {
    "enabled": None,          # None: on when configured (VK, OK, Telegram); off for the optional networks
    "timeout": 10,            # seconds per API call
    "rate_per_second": None,  # None: the network's documented limit (``rate_per_second`` of the class)
}


def resolve(value: Any) -> Any:
    """A network's *built-in* default ``"$env:NAME"`` -> the variable NAME, '' when unset: an
    optional network whose secrets are not in the environment is simply off. (A ``"$env:NAME"``
    written by the deployer is resolved by the core, and an unset one stops start-up.)"""
    if isinstance(value, str) and value.startswith("$env:"):
        return os.environ.get(value[5:], "")
    return value


class SocialChannel(ConversationalChannel):
    """One social network. Subclasses set the class attributes and implement ``verify``,
    ``events`` and ``send`` (and ``handshake`` when the platform has a set-up call)."""

    #: This network's own settings and their defaults (``"$env:NAME"`` for secrets).
    defaults: ClassVar[dict[str, Any]] = {}
    #: Settings that must be non-empty for the network to run.
    required: ClassVar[tuple[str, ...]] = ()
    #: False for networks a deployer must switch on explicitly ("enabled": True).
    enabled_by_default: ClassVar[bool] = True

    def __init__(self, app: Flask, settings: dict[str, Any], common: dict[str, Any] | None = None):
        super().__init__(app, settings)
        self.common = common or {}

    # -- configuration -----------------------------------------------------------------------

    @classmethod
    def settings_from(cls, given: Any) -> dict[str, Any]:
        """Merge a deployer's settings for this network over the defaults; refuse unknown keys."""
        given = {} if given is None else given
        if not isinstance(given, dict):
            raise ConfigError(f'SEP_PLUGIN_CONFIG["channel_social"]["{cls.name}"] must be a dict')
        known = {**COMMON_DEFAULTS, **cls.defaults}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ConfigError(f"Unknown setting(s) for channel_social network {cls.name!r}: {', '.join(unknown)}. "
                              f"Known: {', '.join(sorted(known))}")
        return {key: resolve(value) for key, value in {**known, **given}.items()}

    @classmethod
    def build(cls, app: Flask, given: Any = None, common: dict[str, Any] | None = None) -> SocialChannel | None:
        """The channel, or None when it is switched off or (by default) not configured."""
        settings = cls.settings_from(given)
        missing = [key for key in cls.required if not settings.get(key)]
        enabled = settings["enabled"]
        if enabled is None:
            enabled = cls.enabled_by_default and not missing
        if not enabled:
            return None
        if missing:
            raise ConfigError(f"channel_social network {cls.name!r} is enabled but lacks: {', '.join(missing)}")
        channel = cls(app, settings, common)
        channel.check_settings()
        return channel

    def check_settings(self) -> None:
        """Refuse bad settings at start-up (override to check formats)."""

    # -- links in replies ----------------------------------------------------------------------

    def request_url(self) -> str:
        return self.common.get("request_url") or super().request_url()

    def cabinet_url(self) -> str:
        return self.common.get("cabinet_url") or super().cabinet_url()
