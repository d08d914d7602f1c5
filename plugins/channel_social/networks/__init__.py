"""The networks channel_social knows, in the order their settings are documented. Adding a network
is adding its class here (see docs/writing_plugins.md, "Adding a social network")."""

from __future__ import annotations

from sep_plugins.channel_social.networks.meta import FacebookChannel, InstagramChannel
from sep_plugins.channel_social.networks.ok import OkChannel
from sep_plugins.channel_social.networks.telegram import TelegramChannel
from sep_plugins.channel_social.networks.vk import VkChannel
from sep_plugins.channel_social.networks.x import XChannel
from sep_plugins.channel_social.networks.youtube import YouTubeChannel

NETWORKS = [VkChannel, OkChannel, TelegramChannel, FacebookChannel, InstagramChannel, XChannel, YouTubeChannel]
