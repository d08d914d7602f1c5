"""reports: the centre's figures with charts — requests received / answered / overdue per day and
per channel, deadline compliance, time to the first answer, the queue by profile, the consultant's
questions, answered share and ratings, calls by outcome.

Contributes:
- the staff page ``/desk/reports`` (duty, specialists, admins) with date-range and channel
  filters, charts drawn by the app as inline SVG, and the CSV export ``/desk/reports.csv``
  (``sep_blueprints``), and the same report as JSON at ``/api/v1/reports/summary`` for desk staff
  and API tokens with ``reports:read``;
- ``sep reports summary --from --to [--channel] [--json]`` (``sep_cli``);
- its message catalog (``sep_translation_dirs``).

It reads other plugins' data only through ``sep_report_metrics(start, end, channel)``: each plugin
answers with its own figures (tickets, kb_keyword, channel_phone), so a plugin that is not enabled
simply has no section.
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import api, views
from . import cli as commands

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_blueprints(app):
    return [views.blueprint, api.api]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_reports")]


@hookimpl
def sep_cli(cli, app):
    cli.add_command(commands.group)


@hookimpl
def sep_ui_desk_panels(user):
    return views.desk_link(user)
