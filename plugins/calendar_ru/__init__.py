"""calendar_ru: Moscow hours on the Russian production calendar, maintenance windows, deadlines.

Contributes:
- settings (``sep_config_defaults``): hours per service, the response target, flags;
- the calendar, loaded once at start-up (``sep_startup``) from ``data/<year>.json``;
- ``sep_availability``, ``sep_deadline`` and ``sep_service_schedule``, answered from memory (no file
  or database reads);
- the public page ``/calendar``, its ICS feed, the JSON API and the staff pages (``sep_blueprints``);
- ``sep calendar ...``, ``sep availability``, ``sep deadline`` (``sep_cli``);
- tables and their migration branch (``sep_migration_dirs``), its catalog (``sep_translation_dirs``);
- maintenance announcements: a banner during a window, a home panel before it (``sep_ui_*``).
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from .settings import DEFAULTS

# The modules beside this one are imported inside the hooks: importing the package stays cheap
# and defines no tables (pytest's importlib mode may import this file a second time by path).

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_startup(app):
    from . import state

    state.init_app(app)


@hookimpl
def sep_availability(service, at):
    from . import hooks

    return hooks.availability(service, at)


@hookimpl
def sep_deadline(service, start, hours):
    from . import hooks

    return hooks.deadline(service, start, hours)


@hookimpl
def sep_service_schedule(service):
    from . import hooks

    return hooks.schedule(service)


@hookimpl
def sep_blueprints(app):
    from . import views

    return [views.blueprint]


@hookimpl
def sep_cli(cli, app):
    from . import cli as calendar_cli

    calendar_cli.register(cli)


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_calendar_ru")]


@hookimpl
def sep_ui_nav_items(user):
    from . import views

    return views.nav_items(user)


@hookimpl
def sep_ui_banners(at):
    from . import views

    return views.maintenance_banners(at)


@hookimpl
def sep_ui_home_panels(at):
    from . import views

    return views.maintenance_panel(at)

