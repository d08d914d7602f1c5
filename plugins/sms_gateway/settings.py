"""Settings of sms_gateway (``SEP_PLUGIN_CONFIG["sms_gateway"]``), flat so that an unknown key
stops start-up. Secrets (``smpp_password``, ``http_api_id``, ``http_callback_token``) are best
given as ``"$env:NAME"``."""

from __future__ import annotations

from typing import Any

from sep_core import ConfigError

BACKENDS = ("dev", "smpp", "http")
HTTP_PROVIDERS = ("smsru",)
SMPP_BINDS = ("transceiver", "transmitter")

DEFAULTS: dict[str, Any] = {
    "backend": "dev",            # "dev" (files in instance/sms/), "smpp" or "http"
    "sender": "",                # sender name or number agreed with the operator/provider
    "timeout_seconds": 10,       # network timeout of one connection or request
    "hold_seconds": 30,          # after the gateway failed as a whole, hold SMS back this long
    "retention_days": 90,        # `sep sms purge` forgets delivery records older than this
    # SMPP 3.4
    "smpp_host": "127.0.0.1",
    "smpp_port": 2775,
    "smpp_tls": False,           # TLS to the SMSC (most operators use a VPN instead)
    "smpp_system_id": "",
    "smpp_password": "",         # "$env:SEP_SMPP_PASSWORD"
    "smpp_system_type": "",
    "smpp_bind": "transceiver",  # how the sender binds; `sep sms listen` binds as a receiver
    "smpp_enquire_link_seconds": 30,  # keep-alive of `sep sms listen`
    # HTTP provider
    "http_provider": "smsru",
    "http_base_url": "https://sms.ru",
    "http_api_id": "",           # "$env:SEP_SMSRU_API_ID"
    "http_test": False,          # SMS.ru test mode: accepted and answered, nothing sent or charged
    "http_callback_token": "",   # secret part of the status callback URL; "" = callback off
}


def check(settings: dict[str, Any]) -> None:
    """Refuse settings that cannot work, at start-up rather than at the first code sent."""
    backend = settings["backend"]
    if backend not in BACKENDS:
        raise ConfigError(f"sms_gateway: backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "smpp":
        if settings["smpp_bind"] not in SMPP_BINDS:
            raise ConfigError(f"sms_gateway: smpp_bind must be one of {', '.join(SMPP_BINDS)}")
        if not settings["smpp_system_id"]:
            raise ConfigError("sms_gateway: smpp_system_id is required for the smpp backend")
    if backend == "http":
        if settings["http_provider"] not in HTTP_PROVIDERS:
            raise ConfigError(f"sms_gateway: http_provider must be one of {', '.join(HTTP_PROVIDERS)}")
        if not settings["http_api_id"]:
            raise ConfigError("sms_gateway: http_api_id is required for the http backend")
        if not str(settings["http_base_url"]).startswith(("https://", "http://")):
            raise ConfigError("sms_gateway: http_base_url must be an http(s) URL")
    if int(settings["retention_days"]) < 1:
        raise ConfigError("sms_gateway: retention_days must be at least 1")
    if not str(settings["sender"]).isascii():
        raise ConfigError("sms_gateway: sender must be Latin letters and digits")
