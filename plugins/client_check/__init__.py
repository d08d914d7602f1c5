"""client_check: browser and software requirements the citizen can see and satisfy.

Contributes:
- settings (``sep_config_defaults``): minimum browser versions, update links, requirements;
  checked at start-up (``sep_startup``);
- the ``/check`` page, the admins' ``/staff/client-check`` page and the
  ``/api/v1/client-check`` API (``sep_blueprints``); tables, migrations, message catalog;
- the outdated-browser banner (``sep_ui_banners``) and navigation items;
- the checklist (``sep_client_requirements``), the requirements staff may attach to a request
  (``sep_requirement_catalog``) and a user's stored results (``sep_requirement_status``);
  it asks other plugins which requirements staff requested (``sep_requested_requirements``)
  and tells them when one becomes met (``sep_on_requirement_met``);
- its data in the citizen's download, erased on account deletion.
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import banner, checklist, definitions, personal_data, views
from .api import api
from .settings import DEFAULTS

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_startup(app):
    definitions.from_config(app.extensions["sep"].settings("client_check"))


@hookimpl
def sep_blueprints(app):
    return [views.blueprint, api]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_client_check")]


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items(user)


@hookimpl
def sep_ui_banners(at):
    return banner.banners()


@hookimpl
def sep_client_requirements(request, user):
    if request is None:
        return []
    return checklist.build(user, checklist.current_browser())


@hookimpl
def sep_requirement_catalog():
    return checklist.catalog()


@hookimpl
def sep_requirement_status(user, requirement_ids):
    return checklist.status(user, list(requirement_ids))


@hookimpl
def sep_user_data(user):
    return personal_data.export(user)


@hookimpl
def sep_on_user_deleted(user, retention):
    personal_data.erase(user)
