"""sms_gateway: production SMS through an operator's SMPP 3.4 SMSC or SMS.ru's HTTP API.

Contributes:
- settings (``sep_config_defaults``), checked at start-up (``sep_startup``);
- the outbox transport of the kind ``"sms"`` for the configured backend (``sep_transports``):
  ``smpp``, ``http`` (SMS.ru) or ``dev`` (files in ``instance/sms/``); listed before
  identity_check, it replaces identity_check's development gateway;
- the table of accepted SMS parts and their delivery receipts, its migration branch, messages;
- ``/staff/sms`` (statuses for staff) and SMS.ru's status callback (``sep_blueprints``), with a
  staff navigation item;
- ``sep sms status [--refresh]``, ``sep sms listen``, ``sep sms purge`` and ``sep sms test``
  (``sep_cli``).
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import commands, gateway, settings, views

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return settings.DEFAULTS


@hookimpl
def sep_startup(app):
    settings.check(app.extensions["sep"].settings("sms_gateway"))


@hookimpl
def sep_transports(app):
    return {"sms": gateway.transport(app)}


@hookimpl
def sep_blueprints(app):
    return [views.blueprint]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_sms_gateway")]


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items(user)


@hookimpl
def sep_cli(cli, app):
    cli.add_command(commands.sms)
