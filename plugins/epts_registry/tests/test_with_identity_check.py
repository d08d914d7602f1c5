"""With the identity_check plugin enabled (talked to through hooks only): a citizen whose phone is
not confirmed passes an identity check through another channel and then counts as the verified
owner."""

from __future__ import annotations

import re

import pytest

from sep_core import OutboxMessage, current_state, db

from .conftest import NUMBER, add_vehicle

pytestmark = pytest.mark.sep_plugins("identity_check", "epts_registry", "channel_web")


def test_identity_check_passed_through_the_identity_plugin(app, make_user, browser_for):
    hook = current_state().pm.hook
    if not hook.sep_start_identity_check.get_hookimpls():
        pytest.skip("no identity-check service enabled")
    citizen = make_user(phone_confirmed=False)
    staff = make_user(role="duty")
    add_vehicle(citizen)
    client = browser_for(citizen)
    assert client.get("/api/v1/registry/lookup", query_string={"number": NUMBER}).get_json()["access"] == "public"

    check_id = hook.sep_start_identity_check(user=citizen, channel="email", requested_by=staff, reason="ЭПТС")
    assert check_id is not None
    rows = db.session.execute(db.select(OutboxMessage).filter_by(kind="email").order_by(OutboxMessage.id)).scalars()
    body = list(rows)[-1].payload["body"]
    code = re.search(r"\b(\d{6})\b", body).group(1)
    assert hook.sep_verify_identity(check_id=check_id, code=code, user=citizen) == "passed"

    body = client.get("/api/v1/registry/lookup", query_string={"number": NUMBER}).get_json()
    assert body["access"] == "owner" and "owner_name" in body["fields"]
