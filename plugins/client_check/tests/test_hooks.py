"""The hooks client_check offers other plugins (tickets) and calls on them."""

from __future__ import annotations

import pytest
from sep_plugins.client_check.models import RequirementDefinition
from sep_plugins.client_check.tests.helpers import REQUIREMENTS, checklist, login, make_user, met_of, post_results

from sep_core import current_state, db, hookimpl

pytestmark = [pytest.mark.sep_plugins("client_check", "channel_web"),
              pytest.mark.sep_plugin_config("client_check", {"requirements": REQUIREMENTS})]

IE11 = "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"


class Tickets:
    """Stands in for the tickets plugin: staff asked ``asked`` to meet ``on-request``."""

    def __init__(self):
        self.asked: set[int] = set()
        self.met: list[tuple[int, str, str]] = []

    @hookimpl
    def sep_requested_requirements(self, user):
        return ["on-request"] if user.id in self.asked else []

    @hookimpl
    def sep_on_requirement_met(self, user, requirement, result):
        self.met.append((user.id, requirement.id, result["outcome"]))


def hook():
    return current_state().pm.hook


def test_hook_sep_requirement_catalog(app):
    db.session.add(RequirementDefinition(key="admin-made", name="Admin made", check="confirm", scope="on_request"))
    db.session.add(RequirementDefinition(key="retired", name="Retired", check="confirm", active=False))
    db.session.commit()
    found = [r for group in hook().sep_requirement_catalog() for r in group]
    assert [r.id for r in found] == ["browser"] + [r["id"] for r in REQUIREMENTS] + ["admin-made"]
    assert all(r.met is None for r in found)
    by_id = {r.id: r for r in found}
    assert by_id["signature-plugin"].extra["check"] == "probe"
    assert by_id["admin-made"].extra == {"check": "confirm", "scope": "on_request", "source": "admin",
                                        "why": "", "download_url": ""}
    assert "<strong>plug-in</strong>" in by_id["signature-plugin"].instructions_html


def test_hook_sep_requested_requirements(app, register_plugin):
    tickets = Tickets()
    register_plugin(tickets, name="tickets_stub")
    asked, other = make_user(), make_user()
    tickets.asked.add(asked.id)
    asked_client, other_client = app.test_client(), app.test_client()
    login(asked_client, asked)
    login(other_client, other)
    assert "on-request" in met_of(checklist(asked_client))
    assert "on-request" not in met_of(checklist(other_client))
    assert post_results(asked_client, [{"id": "on-request", "outcome": "confirmed"}]).status_code == 200
    assert post_results(other_client, [{"id": "on-request", "outcome": "confirmed"}]).status_code == 404
    assert met_of(checklist(asked_client))["on-request"] is True


def test_hook_sep_requirement_status(app):
    user, other = make_user(), make_user()
    c = app.test_client()
    login(c, user)
    post_results(c, [{"id": "rules", "outcome": "confirmed"}, {"id": "crypto-provider", "outcome": "absent"}])
    checklist(c, agent=IE11)
    found = [r for group in hook().sep_requirement_status(
        user=user, requirement_ids=["rules", "crypto-provider", "signature-plugin", "browser", "nope"])
        for r in group]
    assert [(r.id, r.met) for r in found] == [("rules", True), ("crypto-provider", False),
                                             ("signature-plugin", None), ("browser", False)]
    assert found[0].extra["outcome"] == "confirmed" and found[0].extra["checked_at"] is not None
    others = [r for group in hook().sep_requirement_status(user=other, requirement_ids=["rules"]) for r in group]
    assert [(r.id, r.met) for r in others] == [("rules", None)]


def test_hook_sep_on_requirement_met(app, register_plugin):
    tickets = Tickets()
    register_plugin(tickets, name="tickets_stub")
    user = make_user()
    c = app.test_client()
    login(c, user)
    checklist(c, agent=IE11)
    assert tickets.met == [(user.id, "desktop", "met")]  # a server-side check, met on first sight
    post_results(c, [{"id": "rules", "outcome": "declined"}], agent=IE11)
    assert len(tickets.met) == 1
    post_results(c, [{"id": "rules", "outcome": "confirmed"}, {"id": "signature-plugin", "outcome": "present"}],
                 agent=IE11)
    assert sorted(tickets.met[1:]) == [(user.id, "rules", "confirmed"), (user.id, "signature-plugin", "present")]
    post_results(c, [{"id": "rules", "outcome": "confirmed"}], agent=IE11)  # still met: no second event
    assert len(tickets.met) == 3
    checklist(c)  # the browser was updated: the server-side check becomes met
    assert tickets.met[-1] == (user.id, "browser", "met")
    checklist(c)
    assert len(tickets.met) == 4
    post_results(app.test_client(), [{"id": "rules", "outcome": "confirmed"}])  # anonymous: nobody to tell
    assert len(tickets.met) == 4
