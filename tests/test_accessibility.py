"""axe-core on every citizen and staff page, at a 360 px phone and a 1280 px desktop: no serious
and no critical violations (issue 17). axe.min.js comes from a pip package (a test extra), injected
by Playwright; nothing is fetched from a CDN."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sep_core import db
from sep_core.testing import axe_violations, create_user

pytestmark = pytest.mark.browser

WIDTHS = (360, 1280)


def sign_in(page, app, live_server, user) -> None:
    """Put a signed session cookie for the user into the browser (what a sign-in would do)."""
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


@pytest.fixture
def site(app):
    """The demo data of every plugin, a citizen with a request and the staff who work it."""
    from sep_plugins.tickets import service

    app.extensions["sep"].pm.hook.sep_init_data(app=app, demo=True)
    citizen = create_user("citizen@example.ru")
    duty = create_user("duty@example.ru", role="duty")
    admin = create_user("admin@example.ru", role="admin")
    ticket = service.create_ticket(user=citizen, fields={
        "surname": "Иванова", "first_name": "Мария", "patronymic": "", "email": "citizen@example.ru", "phone": "",
        "category": "extract", "subject": "Нужна выписка", "description": "Не могу скачать выписку из ЭПТС."},
        category=service.category_by_code("extract"), channel="web")
    service.answer(ticket, duty, "Выписку можно скачать в личном кабинете.")
    db.session.commit()
    return {"citizen": citizen, "duty": duty, "admin": admin, "number": ticket.number}


@pytest.fixture
def consultant(app, site, shared_sentence_vectors):
    """The consultant's index of the demo base built before the page asks, as a server started on this
    data builds it at start-up (kb_keyword's ``sep_startup``): the test's server started before the data
    existed, and the first question would build it while the page waits (index and e5 vectors of the
    demo base: over 10 s on a loaded machine, the wait's timeout). The base's vectors come from the run's
    shared files once another test encoded them (``shared_sentence_vectors``)."""
    from sep_plugins.kb_keyword.engine import engine

    engine(app).ensure_fresh()
    assert engine(app).index_for("ru").semantic is not None  # the encoder is on, as in production


def check(page, state: str, found: dict) -> None:
    violations = axe_violations(page)
    if violations:
        found[f"{state} @ {page.viewport_size['width']}px"] = violations


def report(found: dict) -> str:
    lines = []
    for state, violations in found.items():
        for v in violations:
            lines.append(f"{state}: {v['impact']} {v['id']} — {v['help']}")
            lines.extend(f"    {n['target']} {n['html']}" for n in v["nodes"][:3])
    return "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_citizen_pages_have_no_serious_or_critical_violations(browser_page, app, live_server, site, consultant,
                                                              width):
    page, found = browser_page, {}
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/", "/login", "/register"):
        page.goto(path)
        check(page, path, found)
    page.goto("/ask")
    check(page, "/ask", found)
    page.locator("#question").fill("Как скачать выписку из ЭПТС?")
    page.locator("#question").press("Enter")
    page.locator("#kb-thread .kb-turn").first.wait_for()
    check(page, "/ask with an answer", found)
    page.goto("/ask")
    page.locator("#question").fill("выписка")
    page.locator("#question").press("Enter")
    page.locator("#kb-thread .kb-turn").first.wait_for()
    check(page, "/ask with a short question", found)
    # registration with a mistake (the error summary), then the confirmation page
    page.goto("/register")
    page.locator("#surname").fill("Петрова")
    page.locator("#first_name").fill("Анна")
    page.locator("#phone").fill("восемь")
    page.locator("#email").fill("anna@example.ru")
    page.locator("#password").fill("correct horse battery staple")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, "/register with errors", found)
    page.locator("#phone").fill("8 916 765-43-21")
    page.locator("#password").fill("correct horse battery staple")
    page.locator("#consent").check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/confirm")
    check(page, "/confirm", found)
    sign_in(page, app, live_server, site["citizen"])
    for path in ("/cabinet", "/requests", "/requests/new", f"/requests/{site['number']}"):
        page.goto(path)
        check(page, path, found)
    assert not found, "axe-core found serious or critical violations:\n" + report(found)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.sep_config("SEP_BOT_CONFIDENCE_THRESHOLD", 0.999)
@pytest.mark.sep_plugin_config("kb_keyword", {"decision": {"answer_threshold": 0.999, "clarify_threshold": 0.0}})
def test_ask_with_choices_has_no_serious_or_critical_violations(browser_page, app, live_server, site, consultant,
                                                                width):
    """The consultant offering choices (every question with candidates is clarified here)."""
    page, found = browser_page, {}
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/ask")
    page.locator("#question").fill("выписка в кабинете")
    page.locator("#question").press("Enter")
    page.locator("#kb-thread .kb-turn-clarify .kb-choice").first.wait_for()
    check(page, "/ask with choices", found)
    assert not found, "axe-core found serious or critical violations:\n" + report(found)


STAFF_PAGES = ("/desk", "/desk/requests/{number}", "/desk/phone", "/desk/canned", "/desk/categories",
               "/desk/profiles", "/desk/kb", "/desk/kb/new", "/desk/bot", "/desk/reports", "/desk/roster",
               "/desk/calls", "/staff", "/staff/calendar", "/staff/tokens")


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages_have_no_serious_or_critical_violations(browser_page, app, live_server, site, width):
    page, found = browser_page, {}
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, app, live_server, site["admin"])
    for path in STAFF_PAGES:
        response = page.goto(path.format(number=site["number"]))
        assert response.status == 200, path
        check(page, path, found)
    assert not found, "axe-core found serious or critical violations:\n" + report(found)
