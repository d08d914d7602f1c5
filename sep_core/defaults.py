"""The core's own hook implementations, registered before every plugin and marked ``trylast``
so that any plugin can override them. They make an app with few plugins still work."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import current_app

from .domain import Availability, Route, RouteAction
from .i18n import CORE_DOMAIN, CORE_TRANSLATIONS
from .mail import email_transport
from .plugins import hookimpl

CORE_MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl(trylast=True)
def sep_availability(service, at):
    """With no calendar plugin every service is open."""
    return Availability(service=service, open=True, reason="open", source="core")


@hookimpl(trylast=True)
def sep_deadline(service, start, hours):
    """With no calendar plugin the clock runs all the time."""
    return start + timedelta(hours=hours)


@hookimpl(trylast=True)
def sep_route(inquiry, answers, availability):
    """Answer when the best candidate is confident enough; otherwise a request for the duty
    queue. A closed bot (maintenance) offers a request."""
    if not availability.open:
        return Route(action=RouteAction.UNAVAILABLE, queue="duty", reason=availability.reason or "closed",
                     decided_by="core")
    threshold = current_app.config["SEP_BOT_CONFIDENCE_THRESHOLD"]
    if answers and answers[0].confidence >= threshold:
        return Route(action=RouteAction.ANSWER, answer=answers[0], reason="confident", decided_by="core")
    return Route(action=RouteAction.TICKET, queue="duty",
                 reason="no_answer" if not answers else "low_confidence", decided_by="core")


@hookimpl
def sep_transports(app):
    return {"email": email_transport(app)}


@hookimpl
def sep_migration_dirs():
    return [str(CORE_MIGRATIONS)]


@hookimpl
def sep_translation_dirs():
    return [(str(CORE_TRANSLATIONS), CORE_DOMAIN)]


@hookimpl
def sep_blueprints(app):
    from .api import core_api
    from .tokens_views import blueprint as tokens_page
    from .web import core_web

    return [core_api, core_web, tokens_page]


@hookimpl
def sep_ui_nav_items(user):
    from .tokens_views import nav_items

    return nav_items(user)
