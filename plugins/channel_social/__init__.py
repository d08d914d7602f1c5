"""channel_social: VK, Odnoklassniki and Telegram (and, off by default, Facebook Messenger,
Instagram, X and YouTube) as channels of the online consultant.

Contributes:
- settings, one dict per network (``sep_config_defaults``);
- one webhook channel per configured network (``sep_register_channels``); each is a small class
  in ``networks/`` on the shared base ``base.SocialChannel``;
- the citizen's "linked chats" page and the staff conversations pages (``sep_blueprints``), the
  cabinet section and the staff navigation item;
- tables and their migration branch, message catalog;
- staff replies to requests opened from a chat sent back to that chat (``sep_on_ticket_message``);
- one-time codes through a linked chat (``sep_identity_channels``, ``sep_send_code``);
- ``sep social prune`` and ``sep social poll`` (``sep_cli``);
- its data in the citizen's download, and erasure on account deletion.
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import commands, identity, personal_data, tickets, views
from .networks import NETWORKS
from .settings import defaults

__version__ = "0.1.0"

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
def sep_blueprints(app):
    return [views.blueprint]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_channel_social")]


@hookimpl
def sep_ui_cabinet_sections(user):
    return views.cabinet_section(user)


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items(user)


@hookimpl
def sep_on_ticket_message(ticket, message):
    tickets.forward_ticket_message(ticket, message)


@hookimpl
def sep_identity_channels(user):
    return identity.channels_for(user)


@hookimpl
def sep_send_code(user, channel, code, purpose):
    return identity.send_code(user, channel, code, purpose)


@hookimpl
def sep_cli(cli, app):
    cli.add_command(commands.social)


@hookimpl
def sep_user_data(user):
    return personal_data.export(user)


@hookimpl
def sep_on_user_deleted(user, retention):
    personal_data.erase(user)
