"""The core's registry contract (sep_core.registry): whatever a registry plugin returns, service
fields reach only the verified owner and staff with a service role and a reason, and each such
access is audited. Tested with a deliberately leaky registry plugin, without epts_registry."""

from __future__ import annotations

from datetime import datetime

import pytest

from sep_core import (
    RegistryDenied,
    RegistryExtract,
    RegistryField,
    RegistryOwner,
    RegistryRecord,
    db,
    hookimpl,
    registry_extract,
    registry_lookup,
)

pytestmark = pytest.mark.sep_plugins("channel_web")

PUBLIC_NAMES = {"vin", "make"}
SERVICE_NAMES = {"owner_name", "owner_history", "odd"}


class LeakyRegistry:
    """Returns every field to everyone and makes extracts for anyone who asks."""

    def __init__(self, owner: RegistryOwner):
        self.owner = owner
        self.extract_calls = 0

    @hookimpl
    def sep_registry_lookup(self, query, requester):
        if query.get("vin") != "11111111111111111" and query.get("id") != "rec-1":
            return None
        return RegistryRecord(record_id="rec-1", source="leaky", owner=self.owner, fields=[
            RegistryField("vin", "11111111111111111", "public", "VIN"),
            {"name": "make", "value": "LADA", "classification": "public"},
            RegistryField("owner_name", "Смирнов Иван", "service"),
            {"name": "owner_history", "value": [{"name": "Петров"}]},  # no classification: service
            RegistryField("odd", "secret", "PUBLIC "),  # unknown classification: service
            "not a field at all",
        ])

    @hookimpl
    def sep_registry_extract(self, record_id, requester):
        self.extract_calls += 1
        return RegistryExtract(content=b"%PDF-secret", verification_code="CODE", issued_at=datetime(2026, 3, 2))


@pytest.fixture
def leaky(app, register_plugin, make_user):
    owner = make_user(phone_confirmed=False)
    plugin = LeakyRegistry(RegistryOwner(user_id=owner.id))
    register_plugin(plugin, name="leaky_registry")
    plugin.user = owner
    return plugin


def names(view) -> set[str]:
    return {f.name for f in view.fields}


class Anonymous:
    is_authenticated = False
    id = None


def test_anonymous_and_other_citizens_never_get_service_fields(leaky, make_user, audits):
    for requester in (None, Anonymous(), make_user(), make_user(role="kb_editor")):
        view = registry_lookup({"vin": "11111111111111111"}, requester, reason="curious")
        assert names(view) == PUBLIC_NAMES
        assert view.access.level == "public" and view.withheld == 3
        assert set(view.as_dict()["fields"]) == PUBLIC_NAMES and view.as_dict()["service_withheld"] is True
    assert audits() == []


def test_owner_sees_service_part_only_after_confirmation_and_it_is_audited(leaky, audits):
    owner = leaky.user
    assert names(registry_lookup({"vin": "11111111111111111"}, owner)) == PUBLIC_NAMES  # phone unconfirmed
    owner.phone_confirmed_at = datetime(2026, 3, 1)
    db.session.commit()
    view = registry_lookup({"vin": "11111111111111111"}, owner)
    assert names(view) == PUBLIC_NAMES | SERVICE_NAMES
    assert view.access.level == "owner" and view.withheld == 0
    assert view.classifications["odd"] == "service" and view.classifications["owner_history"] == "service"
    [entry] = audits("registry_service_view")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (owner.id, "registry_record", "leaky:rec-1")
    assert entry.reason.startswith("owner") and entry.at is not None


def test_missing_confirmation_reported_by_a_plugin_keeps_the_service_part_hidden(leaky, register_plugin):
    owner = leaky.user
    owner.phone_confirmed_at = datetime(2026, 3, 1)
    db.session.commit()

    class StillMissing:
        @hookimpl
        def sep_missing_confirmations(self, user):
            return ["sms"]

    register_plugin(StillMissing(), name="still_missing")
    assert names(registry_lookup({"vin": "11111111111111111"}, owner)) == PUBLIC_NAMES


def test_owner_by_confirmed_contact_only(app, register_plugin, make_user):
    owner = make_user(email="Owner@Example.org")
    register_plugin(LeakyRegistry(RegistryOwner(email="owner@example.org")), name="leaky_registry")
    assert registry_lookup({"vin": "11111111111111111"}, owner).access.level == "owner"
    owner.email_confirmed_at = None
    owner.phone_confirmed_at = None
    db.session.commit()
    assert registry_lookup({"vin": "11111111111111111"}, owner).access.level == "public"
    impostor = make_user(phone="+79161112233")
    register_plugin(LeakyRegistry(RegistryOwner(phone="+79161112233")), name="leaky_by_phone")
    impostor.phone_confirmed_at = None  # the number is not proven to be theirs
    db.session.commit()
    assert registry_lookup({"vin": "11111111111111111"}, impostor).access.level == "public"


def test_passed_identity_check_confirms_identity_but_only_for_that_user(leaky, register_plugin, make_user, clock):
    owner = leaky.user  # phone unconfirmed
    other = make_user()
    checks = {
        7: {"id": 7, "user_id": owner.id, "status": "passed", "completed_at": "2026-03-01T10:00:00Z"},
        8: {"id": 8, "user_id": other.id, "status": "passed", "completed_at": "2026-03-01T10:00:00Z"},
        9: {"id": 9, "user_id": owner.id, "status": "failed", "completed_at": "2026-03-01T10:00:00Z"},
        10: {"id": 10, "user_id": owner.id, "status": "passed", "completed_at": "2020-01-01T10:00:00Z"},
    }

    class IdentityChecks:
        @hookimpl
        def sep_identity_check_status(self, check_id):
            return checks.get(int(check_id))

    register_plugin(IdentityChecks(), name="identity_checks")
    for ids in ([], [8], [9], [10], [404]):
        assert registry_lookup({"vin": "11111111111111111"}, owner, identity_check_ids=ids).access.level == "public"
    view = registry_lookup({"vin": "11111111111111111"}, owner, identity_check_ids=[9, 7])
    assert view.access.level == "owner" and names(view) == PUBLIC_NAMES | SERVICE_NAMES


@pytest.mark.parametrize("role", ["duty", "specialist", "admin"])
def test_staff_with_a_service_role_and_a_reason_see_everything_audited(leaky, make_user, audits, role):
    staff = make_user(role=role)
    without_reason = registry_lookup({"vin": "11111111111111111"}, staff, reason=" \n\t")
    assert names(without_reason) == PUBLIC_NAMES and without_reason.access.reason_required
    assert audits() == []
    view = registry_lookup({"vin": "11111111111111111"}, staff, reason="заявка №17\x00\n")
    assert names(view) == PUBLIC_NAMES | SERVICE_NAMES and view.access.level == "staff"
    [entry] = audits("registry_service_view")
    assert entry.actor_id == staff.id and entry.reason == "staff: заявка №17"


def test_inactive_staff_get_public_fields(leaky, make_user):
    staff = make_user(role="duty")
    staff.active = False
    db.session.commit()
    assert names(registry_lookup({"vin": "11111111111111111"}, staff, reason="x")) == PUBLIC_NAMES


def test_extract_is_never_requested_for_someone_who_may_not_have_it(leaky, make_user, audits):
    for requester in (None, make_user(), leaky.user, make_user(role="duty")):  # last: staff without reason
        with pytest.raises(RegistryDenied):
            registry_extract("rec-1", requester)
    assert leaky.extract_calls == 0 and audits() == []
    staff = make_user(role="specialist")
    document = registry_extract("rec-1", staff, reason="проверка по заявке 5")
    assert document.content == b"%PDF-secret" and leaky.extract_calls == 1
    [entry] = audits("registry_extract")
    assert entry.actor_id == staff.id and entry.object_id == "leaky:rec-1"
    assert registry_extract("unknown", staff, reason="x") is None


def test_hook_sep_registry_lookup(app, register_plugin, make_user):
    """firstresult: the first registry that knows the record answers; None when nobody does."""
    assert registry_lookup({"vin": "11111111111111111"}, None) is None

    class Second:
        @hookimpl
        def sep_registry_lookup(self, query, requester):
            return RegistryRecord("second", [RegistryField("make", "second", "public")])

    class First:
        @hookimpl(tryfirst=True)
        def sep_registry_lookup(self, query):
            return RegistryRecord("first", [RegistryField("make", "first", "public")]) if query.get("vin") else None

    register_plugin(Second(), name="second_registry")
    register_plugin(First(), name="first_registry")
    assert registry_lookup({"vin": "11111111111111111"}, None).record_id == "first"
    assert registry_lookup({"number": "164301000000001"}, None).record_id == "second"

    class Broken:
        @hookimpl(tryfirst=True)
        def sep_registry_lookup(self, query, requester):
            return {"make": "not a record"}

    register_plugin(Broken(), name="broken_registry")
    with pytest.raises(TypeError):
        registry_lookup({"vin": "x"}, None)


def test_hook_sep_registry_extract(leaky, make_user):
    owner = leaky.user
    owner.phone_confirmed_at = datetime(2026, 3, 1)
    db.session.commit()
    document = registry_extract("rec-1", owner)
    assert isinstance(document, RegistryExtract) and document.verification_code == "CODE"
    assert leaky.extract_calls == 1
