"""The admins' requirements page fits a 360 px phone: the wide table scrolls inside its box
instead of widening the whole page."""

from __future__ import annotations

import pytest
from sep_plugins.client_check.models import RequirementDefinition
from sep_plugins.client_check.tests.helpers import make_user

from sep_core import db

pytestmark = [pytest.mark.browser, pytest.mark.sep_plugins("client_check", "channel_web")]


def test_the_staff_table_fits_a_360_px_phone(browser_page, app, live_server):
    db.session.add(RequirementDefinition(key="cryptoproviderplugincheckforsigning", check="confirm",
                                         name="Криптопровайдер_для_электронной_подписи_заявлений", scope="on_request"))
    db.session.add(RequirementDefinition(key="rules", name="Правила", check="confirm"))
    db.session.commit()
    admin = make_user("admin")
    serializer = app.session_interface.get_signing_serializer(app)
    browser_page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "url": live_server.url,
                                       "value": serializer.dumps({"_user_id": admin.get_id(), "_fresh": True})}])
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/staff/client-check")
    assert page.locator("table").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    # The table itself is still whole: its box scrolls sideways.
    box = page.evaluate("(() => { const t = document.querySelector('table').parentElement;"
                        " return [t.scrollWidth, t.clientWidth, getComputedStyle(t).overflowX]; })()")
    assert box[0] > box[1] and box[2] == "auto"
