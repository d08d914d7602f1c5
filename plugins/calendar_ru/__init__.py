"""calendar_ru: Moscow hours on the Russian production calendar, maintenance windows, deadlines.

Contributes:
- settings (``sep_config_defaults``): hours per service, the response target, flags;
- the calendar, loaded once at start-up (``sep_startup``) from ``data/<year>.json`` and from the
  years administrators imported;
- ``sep_availability``, ``sep_deadline`` and ``sep_service_schedule``, answered from memory (no file
  or database reads);
- the public page ``/calendar``, its ICS feed, the JSON API and the staff pages (``sep_blueprints``);
- ``sep calendar ...``, ``sep availability``, ``sep deadline`` (``sep_cli``);
- tables and their migration branch (``sep_migration_dirs``), its catalog (``sep_translation_dirs``);
- maintenance announcements: a banner during a window, a home panel before it (``sep_ui_*``);
- a staff banner while a year runs on the five-day-week fallback (no decree loaded), and the
  import of a new year's decree (``sep calendar import``, the staff calendar page).
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import cli as calendar_cli
from . import hooks, state, views
from .settings import DEFAULTS

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_startup(app):
    state.init_app(app)


@hookimpl
def sep_availability(service, at):
    return hooks.availability(service, at)


@hookimpl
def sep_deadline(service, start, hours):
    return hooks.deadline(service, start, hours)


@hookimpl
def sep_service_schedule(service):
    return hooks.schedule(service)


@hookimpl
def sep_blueprints(app):
    return [views.blueprint]


@hookimpl
def sep_cli(cli, app):
    calendar_cli.register(cli)


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_calendar_ru")]


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items(user)


@hookimpl
def sep_ui_banners(at):
    return views.maintenance_banners(at) + views.fallback_banners(at)


@hookimpl
def sep_ui_home_panels(at):
    return views.maintenance_panel(at)

