"""duty_roster: who is on shift, automatic assignment of new requests to the staff on shift, and
the handover of unfinished work when a shift ends.

Contributes:
- settings (``sep_config_defaults``), the shifts table and its migration branch, a message catalog;
- the staff page ``/desk/roster`` (everyone on the desk sees it; admins add, delete and import
  shifts from CSV) (``sep_blueprints``);
- "On duty now" on the request desk (``sep_ui_desk_panels``);
- the pick of an assignee for a new request among the staff on shift, round-robin weighted by
  their open load (``sep_pick_assignee``), and whether someone is on shift (``sep_on_duty``);
- ``sep roster ...`` commands (list, import a CSV, hand over the work of ended shifts — run it
  every few minutes from cron).

At the end of a shift it broadcasts ``sep_on_shift_ended`` so the request service hands the
leaving person's unfinished requests to the staff on shift, with a note.
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import cli as commands
from . import roster, views
from .settings import DEFAULTS

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_blueprints(app):
    return [views.blueprint]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_duty_roster")]


@hookimpl
def sep_cli(cli, app):
    cli.add_command(commands.group)


@hookimpl
def sep_pick_assignee(ticket, load):
    return roster.pick_assignee(ticket, load)


@hookimpl
def sep_on_duty(user, at):
    return roster.on_duty_verdict(user, at)


@hookimpl
def sep_ui_desk_panels(user):
    return views.desk_panel(user)
