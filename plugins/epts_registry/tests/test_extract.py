"""The PDF extract: who may download it, that it opens with the Cyrillic record text in it, and
that its verification code checks out on /registry/verify."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader

from sep_core import db
from sep_core.testing import csrf_token

from .conftest import NUMBER, OWNER_NAME, PLUGINS, VIN, add_vehicle

pytestmark = pytest.mark.sep_plugins(*PLUGINS)


@pytest.fixture
def owner(make_user):
    return make_user()


@pytest.fixture
def vehicle(app, owner):
    return add_vehicle(owner)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_owner_downloads_a_pdf_with_cyrillic_text_and_a_code_that_checks_out(vehicle, owner, browser_for, audits,
                                                                             clock):
    clock.set("2026-03-02T10:15:00")
    client = browser_for(owner)
    response = client.get(f"/registry/{NUMBER}/extract.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    content = response.data
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    fonts = [f for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert any("/FontFile2" in f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
               for f in fonts if "/DescendantFonts" in f.get_object())  # the TrueType font is embedded
    text = " ".join(pdf_text(content).split())
    assert "Выписка из электронного паспорта транспортного средства" in text
    assert OWNER_NAME in text and "Московская область" in text and "действующий" in text
    assert NUMBER in text and VIN in text and "02.03.2026 10:15" in text
    code = response.headers["X-Verification-Code"]
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code) and code in text

    anyone = browser_for()
    check = anyone.get("/registry/verify", query_string={"code": code.lower().replace("-", " ")})
    page = check.get_data(as_text=True)
    assert check.status_code == 200 and "Выписка подлинная" in page and NUMBER in page
    assert "02.03.2026 10:15" in page and OWNER_NAME not in page
    import hashlib

    assert hashlib.sha256(content).hexdigest() in page
    [entry] = audits("registry_extract")
    assert entry.actor_id == owner.id and entry.object_id == f"epts_registry:{NUMBER}"


def test_verify_rejects_unknown_and_malformed_codes(vehicle, client):
    unknown = client.get("/registry/verify", query_string={"code": "AAAA-BBBB-CCCC"})
    assert unknown.status_code == 404 and "Выписки с таким кодом нет" in unknown.get_data(as_text=True)
    for bad in ("<script>", "' OR 1=1 --", "A" * 41, "\u202e"):
        response = client.get("/registry/verify", query_string={"code": bad})
        assert response.status_code == 400 and 'class="field-error"' in response.get_data(as_text=True)
    response = client.get("/registry/verify", query_string={"code": "\u0000"})  # the core's rule for NUL
    assert response.status_code == 400 and "Недопустимые символы" in response.get_data(as_text=True)
    assert client.get("/registry/verify").status_code == 200


def test_who_may_download(vehicle, owner, make_user, browser_for, audits):
    assert browser_for().get(f"/registry/{NUMBER}/extract.pdf").status_code == 403
    assert browser_for(make_user()).get(f"/registry/{NUMBER}/extract.pdf").status_code == 403
    unconfirmed = make_user(phone_confirmed=False)
    add_vehicle(unconfirmed, number="164301000000043", vin="11111111111111111")
    assert browser_for(unconfirmed).get("/registry/164301000000043/extract.pdf").status_code == 403
    assert browser_for(owner).get("/registry/164301999999999/extract.pdf").status_code == 404
    assert browser_for(owner).get("/registry/<b>/extract.pdf").status_code == 404
    staff = browser_for(make_user(role="specialist"))
    assert staff.get(f"/registry/{NUMBER}/extract.pdf").status_code == 403  # no reason given
    assert staff.get(f"/registry/{NUMBER}/extract.pdf", query_string={"reason": "заявка 9"}).status_code == 403
    # the reason travels in a POST body, never in the URL
    assert staff.get(f"/registry/{NUMBER}/extract.pdf", query_string={
        "reason": "заявка 9", "csrf_token": csrf_token(staff)}).status_code == 403
    assert staff.post(f"/registry/{NUMBER}/extract.pdf", data={"reason": "заявка 9"}).status_code == 400  # no CSRF
    assert staff.post(f"/registry/{NUMBER}/extract.pdf", data={
        "reason": "заявка 9", "csrf_token": csrf_token(staff)}).status_code == 200
    assert [e.reason for e in audits("registry_extract")] == ["staff: заявка 9"]


def test_api_extract(vehicle, owner, make_user, browser_for):
    url = f"/api/v1/registry/{NUMBER}/extract"
    anonymous = browser_for().get(url)
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "unauthorised"
    other = browser_for(make_user()).get(url)
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "forbidden"
    duty = browser_for(make_user(role="duty")).get(url)
    assert duty.status_code == 403 and duty.get_json()["error"]["code"] == "reason_required"
    specialist = browser_for(make_user(role="specialist"))
    token = csrf_token(specialist)
    by_url = specialist.get(url, query_string={"reason": "заявка 9"}, headers={"X-CSRFToken": token})
    assert by_url.status_code == 403  # a reason in the URL is not honoured
    posted = specialist.post(url, json={"reason": "заявка 9"}, headers={"X-CSRFToken": token})
    assert posted.status_code == 200 and posted.mimetype == "application/pdf"
    assert specialist.post(url, json={"reason": ["x"]}, headers={"X-CSRFToken": token}).status_code == 400
    assert browser_for(owner).get("/api/v1/registry/<b>%0a/extract").status_code == 400
    assert browser_for(owner).get("/api/v1/registry/164301999999999/extract").status_code == 404
    response = browser_for(owner).get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["X-Verification-Code"] in pdf_text(response.data)


def test_owner_after_a_passed_identity_check(vehicle, make_user, browser_for, register_plugin, app):
    """A citizen whose phone is not confirmed becomes the verified owner through an identity check
    (heard through sep_on_identity_checked, re-checked through sep_identity_check_status)."""
    from sep_core import current_state, hookimpl

    citizen = make_user(phone_confirmed=False)
    add_vehicle(citizen, number="164301000000044", vin="1HGCM82633A004352")
    client = browser_for(citizen)
    assert client.get("/registry/164301000000044/extract.pdf").status_code == 403
    check = {"id": 31, "user_id": citizen.id, "status": "passed", "completed_at": "2026-03-02T06:00:00Z"}

    class IdentityService:
        @hookimpl
        def sep_identity_check_status(self, check_id):
            return check if str(check_id) == "31" else None

    register_plugin(IdentityService(), name="identity_service")
    current_state().pm.hook.sep_on_identity_checked(check=check)
    assert client.get("/registry/164301000000044/extract.pdf").status_code == 200
    check["status"] = "expired"  # the identity plugin's word counts, not the remembered id
    assert client.get("/registry/164301000000044/extract.pdf").status_code == 403


def test_missing_font_is_a_clear_503(vehicle, owner, browser_for, app):
    app.extensions["sep"].settings("epts_registry")["pdf_font"] = "/nonexistent/font.ttf"
    response = browser_for(owner).get(f"/registry/{NUMBER}/extract.pdf")
    assert response.status_code == 503 and "шрифт" in response.get_data(as_text=True)


def test_extract_of_closed_vehicle_keeps_status_at_issue(app, owner, browser_for):
    vehicle = add_vehicle(owner, status="closed")
    code = browser_for(owner).get(f"/registry/{NUMBER}/extract.pdf").headers["X-Verification-Code"]
    vehicle.status = "active"
    vehicle.status_changed_on = datetime(2026, 4, 1).date()
    db.session.commit()
    page = browser_for().get("/registry/verify", query_string={"code": code}).get_data(as_text=True)
    assert "погашенный" in page
