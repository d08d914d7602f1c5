"""Deployer mistakes stop start-up with a reason; the citizen's results are in their data
download and are erased with the account."""

from __future__ import annotations

import pytest
from sep_plugins.client_check.models import CheckResult
from sep_plugins.client_check.tests.helpers import REQUIREMENTS, login, make_user, post_results

from sep_core import ConfigError, current_state, db


@pytest.mark.parametrize(("entry", "reason"), [
    ({"id": "x", "name": "X", "check": "probe", "probe": {"type": "global", "target": "a.__proto__"}},
     "probe_target"),
    ({"id": "x", "name": "X", "check": "server", "server_check": "telepathy"}, "server_check"),
    ({"id": "Bad Id", "name": "X", "check": "confirm"}, "key"),
    ({"id": "x", "name": "X", "check": "confirm", "download_url": "ftp://example.org/x"}, "download_url"),
    ({"id": "x", "name": "X", "check": "probe", "probe": {"type": "global", "target": "a"}, "timeout_ms": 10},
     "timeout_ms"),
])
def test_bad_requirement_in_config_stops_start_up(make_app, entry, reason):
    with pytest.raises(ConfigError, match=reason):
        make_app({"SEP_PLUGINS": ["client_check"], "SEP_PLUGIN_CONFIG": {"client_check": {"requirements": [entry]}}})


def test_duplicate_requirement_ids_in_config_stop_start_up(make_app):
    entry = {"id": "x", "name": "X", "check": "confirm"}
    with pytest.raises(ConfigError, match="defined twice"):
        make_app({"SEP_PLUGINS": ["client_check"],
                  "SEP_PLUGIN_CONFIG": {"client_check": {"requirements": [entry, entry]}}})


@pytest.mark.sep_plugins("client_check", "channel_web")
@pytest.mark.sep_plugin_config("client_check", {"requirements": REQUIREMENTS})
def test_results_are_in_the_data_download_and_erased_with_the_account(app):
    user, other = make_user(), make_user()
    for who in (user, other):
        c = app.test_client()
        login(c, who)
        post_results(c, [{"id": "rules", "outcome": "confirmed"}])
    hook = current_state().pm.hook
    parts = [p for p in hook.sep_user_data(user=user) if p]
    rows = [r for p in parts for r in p.get("client_check", [])]
    assert {(r["requirement"], r["outcome"], r["met"]) for r in rows} >= {("rules", "confirmed", True)}
    assert all(set(r) == {"requirement", "outcome", "met", "browser", "checked_at"} for r in rows)
    hook.sep_on_user_deleted(user=user, retention="delete")
    db.session.commit()
    left = {r.user_id for r in db.session.execute(db.select(CheckResult)).scalars()}
    assert user.id not in left and other.id in left
