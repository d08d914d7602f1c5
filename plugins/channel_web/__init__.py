"""channel_web: the public web front — the home page with the three ways to reach the centre.

Contributes:
- settings (``sep_config_defaults``): the phone number, social community links, an announcement;
- the blueprint with ``/`` (``sep_blueprints``); the hours shown there come from whichever plugin
  answers ``sep_service_schedule`` (the calendar), with a standard wording when none does;
- its message catalog (``sep_translation_dirs``);
- the "Home" navigation item (``sep_ui_nav_items``);
- the announcement banner (``sep_ui_banners``).
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import views
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
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_channel_web")]


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items()


@hookimpl
def sep_ui_banners(at):
    return views.announcement_banner()


@hookimpl
def sep_ui_footer():
    return views.footer()
