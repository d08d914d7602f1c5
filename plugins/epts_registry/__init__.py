"""epts_registry: the reference registry plugin — open data of the ЭПТС base for anyone, the
service part only for the verified owner and staff (the core enforces it: ``sep_core.registry``).

Contributes:
- settings (``sep_config_defaults``);
- the registry itself: records from local tables with every field classified
  (``sep_registry_lookup``) and PDF extracts with a verification code (``sep_registry_extract``);
- the pages ``/registry`` (search), ``/registry/verify`` and the extract download, and the API
  ``/api/v1/registry/...`` (``sep_blueprints``);
- tables and their migration branch, message catalog;
- ``sep registry import`` (``sep_cli``) and the synthetic demo set (``sep_init_data``);
- passed identity checks remembered from ``sep_on_identity_checked`` (re-checked by the core);
- its data in the citizen's download (``sep_user_data``) and unlinking on account deletion
  (``sep_on_user_deleted``);
- the navigation item.
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import commands, demo_data, extracts, records, views
from .settings import DEFAULTS

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_blueprints(app):
    return [views.blueprint, views.api]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_epts_registry")]


@hookimpl
def sep_cli(cli, app):
    commands.register(cli)


@hookimpl
def sep_init_data(app, demo):
    if demo:
        demo_data.load(int(app.extensions["sep"].settings("epts_registry")["demo_vehicles"]))


@hookimpl
def sep_registry_lookup(query, requester):
    return records.lookup(query)


@hookimpl
def sep_registry_extract(record_id, requester):
    vehicle = records.find_vehicle({"id": record_id})
    return extracts.issue(vehicle, requester) if vehicle is not None else None


@hookimpl
def sep_on_identity_checked(check):
    records.remember_identity_check(check)


@hookimpl
def sep_user_data(user):
    return records.user_data(user)


@hookimpl
def sep_on_user_deleted(user, retention):
    records.forget_user(user)


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items()

