"""webhooks_out: signed outgoing webhooks for integrators (issue 18).

An administrator subscribes a URL to event types (``ticket.created``, ``ticket.status_changed``,
``ticket.message``, ``inquiry.unanswered``, ``identity.checked``, ``webhook.test``) on
``/staff/webhooks`` or with ``sep webhooks ...``. Each event's JSON body is built when it happens,
from the broadcasts ``sep_on_ticket_created``, ``sep_on_ticket_status_changed``,
``sep_on_ticket_message``, ``sep_on_inquiry`` (a question the bot did not answer) and
``sep_on_identity_checked``, and delivered through the core outbox (transport ``webhook``:
retries with exponential backoff, ``Retry-After``), signed in the Standard Webhooks style
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature``). Enabled by default and inert
until a subscription exists. See docs/webhooks.md.

Contributes:
- settings (``sep_config_defaults``, checked on ``sep_startup``), two tables and their migration
  branch, a message catalog;
- the outbox transport ``webhook`` (``sep_transports``) and the end of a delivery that failed for
  good (``sep_on_outbox_failed``);
- the administrators' page ``/staff/webhooks`` (``sep_blueprints``, ``sep_ui_nav_items``);
- ``sep webhooks ...`` commands (``sep_cli``), ``sep webhooks purge`` for old deliveries;
- the deliveries that name a deleted account (``identity.checked``) erased with it
  (``sep_on_user_deleted``).
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import cli as commands
from . import events, settings, transport, views

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return dict(settings.DEFAULTS)


@hookimpl
def sep_startup(app):
    from sep_core import plugin_settings

    settings.check(plugin_settings("webhooks_out", app))


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_webhooks_out")]


@hookimpl
def sep_blueprints(app):
    return [views.blueprint]


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items(user)


@hookimpl
def sep_cli(cli, app):
    cli.add_command(commands.group)


@hookimpl
def sep_transports(app):
    return {events.KIND: transport.deliver}


@hookimpl
def sep_on_outbox_failed(message):
    transport.on_outbox_failed(message)


@hookimpl
def sep_on_ticket_created(ticket):
    events.on_ticket_created(ticket)


@hookimpl
def sep_on_ticket_status_changed(ticket, old, new):
    events.on_ticket_status_changed(ticket, old, new)


@hookimpl
def sep_on_ticket_message(ticket, message):
    events.on_ticket_message(ticket, message)


@hookimpl
def sep_on_inquiry(inquiry, result):
    events.on_inquiry(inquiry, result)


@hookimpl
def sep_on_identity_checked(check):
    events.on_identity_checked(check)


@hookimpl
def sep_on_user_deleted(user, retention):
    from . import service

    service.forget_user(user)
