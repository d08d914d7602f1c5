"""tickets: the request service (заявки) — the citizen's form with attachments, numbers and
statuses, the deadline clock on working time, the load-based estimate, the staff desk, and
notifications through the outbox.

Contributes:
- settings (``sep_config_defaults``, checked on ``sep_startup``), tables and their migration branch, message catalog;
- the citizen's pages ``/requests...``, the staff desk ``/desk...``, the citizens' API
  ``/api/v1/tickets...`` and the desk's REST API ``/api/v1/desk/...`` for staff sessions and API
  tokens (``sep_blueprints``);
- ``sep tickets ...`` commands (close answered requests after the reopening period, purge
  stale pending uploads);
- the answer-time rule for the home page (``sep_response_target``);
- the managed list of specialist profiles (``sep_specialist_profiles``; ``/desk/profiles``,
  ``sep tickets profiles ...``);
- the handover of a leaving staff member's unfinished requests (``sep_on_shift_ended``);
- a caller's open requests for the phone journal (``sep_contact_requests``);
- its figures for reports (``sep_report_metrics``);
- requests opened from social channels (``sep_open_ticket``);
- resuming a request when the identity check it asked for ends (``sep_on_identity_checked``), or
  when every technical requirement asked is met (``sep_requested_requirements``,
  ``sep_on_requirement_met``, with a requirements plugin such as client_check);
- "My requests" in the navigation and the cabinet (``sep_ui_nav_items``, ``sep_ui_cabinet_sections``);
- its data in the citizen's download and erasure on account deletion;
- the categories on ``sep init`` (``sep_init_data``).

It asks ``sep_pick_assignee`` for the assignee of a new (or escalated) request and
``sep_on_duty`` before assigning someone (a duty roster plugin answers both), broadcasts
``sep_on_ticket_created``, ``sep_on_ticket_status_changed`` and ``sep_on_ticket_message``, offers
``sep_ui_desk_panels`` on the desk, and asks ``sep_scan_file`` before keeping an upload.
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import api, data, desk, desk_api, profiles, report, service, sla, views
from . import cli as commands
from .settings import DEFAULTS

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_startup(app):
    sla.check_settings(app)


@hookimpl
def sep_response_target():
    return sla.response_target()


@hookimpl
def sep_blueprints(app):
    return [views.blueprint, desk.desk, api.api, desk_api.desk_api]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_tickets")]


@hookimpl
def sep_cli(cli, app):
    cli.add_command(commands.group)


@hookimpl
def sep_init_data(app, demo):
    service.ensure_categories()
    profiles.ensure_profiles()


@hookimpl
def sep_specialist_profiles():
    return profiles.hook_answer(views.locale())


@hookimpl
def sep_on_shift_ended(user, shift, pick, note):
    service.hand_over(user, pick, note)


@hookimpl
def sep_contact_requests(user, phone):
    return desk.contact_requests(user, phone)


@hookimpl
def sep_report_metrics(start, end, channel):
    return report.metrics(start, end, channel)


@hookimpl
def sep_open_ticket(user, subject, text, channel, inquiry):
    return service.open_from_channel(user, subject, text, channel)


@hookimpl
def sep_on_identity_checked(check):
    service.identity_checked(check)


@hookimpl
def sep_requested_requirements(user):
    return service.requested_requirement_ids(user)


@hookimpl
def sep_on_requirement_met(user, requirement, result):
    service.requirement_met(user, requirement, result)


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items(user)


@hookimpl
def sep_ui_cabinet_sections(user):
    return views.cabinet_section(user)


@hookimpl
def sep_user_data(user):
    return data.export(user)


@hookimpl
def sep_on_user_deleted(user, retention):
    data.erase(user, retention)
