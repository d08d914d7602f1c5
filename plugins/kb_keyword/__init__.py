"""kb_keyword: the online consultant — a morphology-aware keyword bot with its knowledge base.

Contributes:
- settings (``sep_config_defaults``) and the in-memory index per worker (``sep_startup``);
- the answerer (``sep_answer``): candidates with calibrated confidence and a highlighted fragment;
- the decision (``sep_route``): answer, clarifying choices or a request (see ``decision``);
- the question log for staff analytics (``sep_on_inquiry``) and its figures for reports
  (``sep_report_metrics``: questions, answered share, ratings);
- the blueprint: ``/ask`` (chat and plain form), ``POST /api/v1/ask``, rate / save / e-mail, and the
  staff pages ``/desk/bot`` and ``/desk/kb``, and the KB over REST ``/api/v1/kb/...`` for editors'
  sessions and API tokens with ``kb:read`` / ``kb:write`` (``sep_blueprints``);
- ``sep kb import|export|ask|rank|eval|reindex|phrasings import|export`` (``sep_cli``);
- tables and migrations, translations, the navigation item, the cabinet's saved answers;
- the demo knowledge base (``sep_init_data``).
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import cli as kb_cli
from . import demo as demo_data
from . import desk, kb_api, report, service, views
from .engine import engine as answer_engine  # the package attribute `engine` stays the module
from .settings import DEFAULTS

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_startup(app):
    import click

    eng = answer_engine(app)
    if click.get_current_context(silent=True) is None:  # a server worker, not a `sep ...` command
        eng.warm_up(app)


@hookimpl
def sep_blueprints(app):
    return [views.blueprint, desk.blueprint, kb_api.kb_api]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_kb_keyword")]


@hookimpl
def sep_cli(cli, app):
    kb_cli.register(cli)


@hookimpl
def sep_answer(inquiry):
    return answer_engine().answers(inquiry.text, inquiry.locale or "ru", meta=inquiry.meta)


@hookimpl
def sep_route(inquiry, answers, availability):
    return service.route(inquiry, answers, availability)


@hookimpl
def sep_on_inquiry(inquiry, result):
    service.log_inquiry(inquiry, result)


@hookimpl
def sep_init_data(app, demo):
    demo_data.load(demo)


@hookimpl
def sep_report_metrics(start, end, channel):
    return report.metrics(start, end, channel)


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items()


@hookimpl
def sep_ui_cabinet_sections(user):
    return views.cabinet_section(user)
