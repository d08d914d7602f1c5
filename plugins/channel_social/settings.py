"""Settings of channel_social (``SEP_PLUGIN_CONFIG["channel_social"]``).

Each network has its own dict, merged over the defaults its class declares (see
docs/plugins/channel_social.md); the keys below are shared.
"""

from __future__ import annotations

from typing import Any

COMMON: dict[str, Any] = {
    "request_url": "",          # the request form; "" = SEP_PUBLIC_URL + "/requests/new"
    "cabinet_url": "",          # where citizens link accounts; "" = SEP_PUBLIC_URL + "/social/accounts"
    "event_retention_hours": 48,  # `sep social prune` keeps deduplication rows this long (at least 24)
}


def defaults(networks) -> dict[str, Any]:
    return {**COMMON, **{network.name: {} for network in networks}}
