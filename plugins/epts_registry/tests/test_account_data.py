"""The citizen's data download and account deletion, as far as the registry plugin is concerned."""

from __future__ import annotations

import pytest
from sep_plugins.epts_registry.models import Extract, IdentityPass, Owner

from sep_core import current_state, db

from .conftest import NUMBER, PLUGINS, add_vehicle

pytestmark = pytest.mark.sep_plugins(*PLUGINS)


def test_user_data_and_deletion(app, make_user, browser_for):
    owner = make_user()
    add_vehicle(owner)
    code = browser_for(owner).get(f"/registry/{NUMBER}/extract.pdf").headers["X-Verification-Code"]
    current_state().pm.hook.sep_on_identity_checked(check={"id": 5, "user_id": owner.id, "status": "passed"})
    hook = current_state().pm.hook
    [data] = [d for d in hook.sep_user_data(user=owner) if "epts_registry" in d]
    assert data["epts_registry"]["linked_vehicles"] == [NUMBER]
    assert [e["code"] for e in data["epts_registry"]["extracts"]] == [code]

    hook.sep_on_user_deleted(user=owner, retention="anonymise")
    db.session.commit()
    assert db.session.execute(db.select(Owner).filter_by(user_id=owner.id)).first() is None
    assert db.session.execute(db.select(Extract).filter_by(issued_to_id=owner.id)).first() is None
    assert db.session.execute(db.select(IdentityPass)).first() is None
    # the extract itself can still be checked
    assert browser_for().get("/registry/verify", query_string={"code": code}).status_code == 200
