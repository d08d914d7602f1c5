"""channel_social: VK, Odnoklassniki and Telegram (and, off by default, Facebook Messenger,
Instagram, X and YouTube) as channels of the online consultant.

Each network is a small class in ``networks/`` on ``base.SocialChannel``, itself the core's
``ConversationalChannel``: conversations, account linking, the request fallback, staff replies
sent back to the chat, codes through a linked chat, the staff pages (``/staff/social``) and the
citizen's data come from the core. This plugin contributes:
- settings, one dict per network (``sep_config_defaults``);
- one webhook channel per configured network (``sep_register_channels``);
- the YouTube quota table and its migration branch, message catalog;
- ``sep social prune`` and ``sep social poll`` (``sep_cli``).
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import commands
from .networks import NETWORKS
from .settings import defaults

__version__ = "0.2.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return defaults(NETWORKS)


@hookimpl
def sep_register_channels(app):
    settings = app.extensions["sep"].settings("channel_social")
    built = (network.build(app, settings.get(network.name), settings) for network in NETWORKS)
    return [channel for channel in built if channel is not None]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_channel_social")]


@hookimpl
def sep_cli(cli, app):
    cli.add_command(commands.social)
