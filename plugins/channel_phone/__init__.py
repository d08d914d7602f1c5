"""channel_phone: the call journal and the telephony hook.

Contributes:
- settings (``sep_config_defaults``: the webhook secret, operator extensions), the calls table and
  its migration branch, a message catalog;
- the journal ``/desk/calls`` (log a call in a few seconds: phone, caller found by number with
  their open requests, topic, outcome, duration), the callback list, the caller card
  ``/desk/calls/<id>`` and ``/desk/calls/active`` (the card of the call the operator has just
  answered), and the PBX webhook ``POST /hooks/phone`` (signed call events: new, answered,
  hangup) (``sep_blueprints``);
- the journal's figures for reports (``sep_report_metrics``);
- ``sep phone ...`` commands.

It asks ``sep_contact_requests`` for the caller's open requests and ``sep_availability("phone")``
for the phone hours (a call outside them is recorded as missed, with the next opening time).
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import cli as commands
from . import journal, views, webhook
from .settings import DEFAULTS

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_blueprints(app):
    return [views.blueprint, webhook.blueprint]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_channel_phone")]


@hookimpl
def sep_cli(cli, app):
    cli.add_command(commands.group)


@hookimpl
def sep_ui_desk_panels(user):
    return views.desk_panel(user)


@hookimpl
def sep_report_metrics(start, end, channel):
    return journal.report_metrics(start, end, channel)
