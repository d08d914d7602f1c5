"""Issue 13 item 7: an answer is e-mailed only to the citizen's own address — the signed-in
citizen's confirmed e-mail, or an address the visitor first confirms with a code mailed to it.
Addresses are validated like registration (no quoted local parts, no IP literals, no NUL)."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from sep_core import OutboxMessage, db
from sep_core.testing import csrf_token

URL = "/api/v1/ask/email"


def mails(to: str | None = None) -> list[dict]:
    rows = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "email")
                              .order_by(OutboxMessage.id)).scalars().all()
    payloads = [json.loads(r.payload_json) for r in rows]
    return [p for p in payloads if to is None or p["to"] == to]


def code_in(payload: dict) -> str:
    return re.search(r"\b(\d{6})\b", payload["subject"]).group(1)


@pytest.fixture
def entry_id(client, small_base, h):
    return h.ask(client, "Как получить выписку?").get_json()["answer"]["id"]


@pytest.mark.parametrize("address", ['"x"@[127.0.0.1]', "x@[127.0.0.1]", '"a b"@example.org', "a@b",
                                     "a\u0000@example.org", "x" * 250 + "@example.org", "Иван <i@example.org>"])
def test_addresses_registration_would_refuse_are_refused(client, h, entry_id, address):
    response = h.post_json(client, URL, {"entry_id": entry_id, "email": address})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] in ("invalid_email", "invalid_text")
    assert mails() == []


def test_a_visitor_confirms_the_address_with_a_code_first(client, h, entry_id):
    response = h.post_json(client, URL, {"entry_id": entry_id, "email": "me@example.org"})
    assert response.status_code == 202 and response.get_json()["code_sent"] is True
    [code_mail] = mails()
    assert code_mail["to"] == "me@example.org" and "Сформировать выписку" not in code_mail["body"]
    code = code_in(code_mail)
    wrong = "000000" if code != "000000" else "111111"
    response = h.post_json(client, URL, {"entry_id": entry_id, "email": "me@example.org", "code": wrong})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "wrong_code"
    # the code of one address does not confirm another
    response = h.post_json(client, URL, {"entry_id": entry_id, "email": "other@example.org", "code": code})
    assert response.status_code == 400 and len(mails()) == 1
    response = h.post_json(client, URL, {"entry_id": entry_id, "email": "me@example.org", "code": code})
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assert "Сформировать выписку" in mails("me@example.org")[-1]["body"]
    # confirmed for this session: the next answer goes without a new code
    assert h.post_json(client, URL, {"entry_id": entry_id, "email": "me@example.org"}).status_code == 200
    assert len(mails("me@example.org")) == 3


def test_another_browser_cannot_use_the_code(app, client, h, entry_id):
    h.post_json(client, URL, {"entry_id": entry_id, "email": "me@example.org"})
    code = code_in(mails()[0])
    other = app.test_client()
    response = h.post_json(other, URL, {"entry_id": entry_id, "email": "me@example.org", "code": code})
    assert response.status_code == 400 and len(mails()) == 1


def test_five_wrong_codes_void_the_code(client, h, entry_id):
    h.post_json(client, URL, {"entry_id": entry_id, "email": "me@example.org"})
    code = code_in(mails()[0])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        h.post_json(client, URL, {"entry_id": entry_id, "email": "me@example.org", "code": wrong})
    response = h.post_json(client, URL, {"entry_id": entry_id, "email": "me@example.org", "code": code})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "code_expired"


def test_codes_are_rate_limited_per_address(client, app, h, entry_id):
    for _ in range(3):
        assert h.post_json(app.test_client(), URL, {"entry_id": entry_id, "email": "me@example.org"}).status_code == 202
    response = h.post_json(client, URL, {"entry_id": entry_id, "email": "me@example.org"})
    assert response.status_code == 429 and len(mails()) == 3


def test_a_signed_in_citizen_gets_it_at_the_confirmed_address_only(client, h, entry_id):
    user = h.make_user(email="citizen@example.org")
    user.email_confirmed_at = datetime(2026, 1, 1)
    db.session.commit()
    h.sign_in(client, user)
    assert h.post_json(client, URL, {"entry_id": entry_id}).status_code == 200
    assert "Сформировать выписку" in mails("citizen@example.org")[0]["body"]
    # another address is not theirs until they confirm it
    assert h.post_json(client, URL, {"entry_id": entry_id, "email": "else@example.org"}).status_code == 202
    assert "Сформировать выписку" not in mails("else@example.org")[0]["body"]


def test_an_unconfirmed_signed_in_address_needs_a_code_too(client, h, entry_id):
    h.sign_in(client, h.make_user(email="new@example.org"))
    assert h.post_json(client, URL, {"entry_id": entry_id}).status_code == 202
    assert "Сформировать выписку" not in mails("new@example.org")[0]["body"]


def test_the_page_asks_for_the_code_then_sends(client, small_base):
    from sep_plugins.kb_keyword.models import KbEntry

    entry = db.session.execute(db.select(KbEntry).where(KbEntry.external_id == "t-1")).scalar_one()
    token = csrf_token(client)
    page = client.get(f"/ask/entry/{entry.id}").get_data(as_text=True)
    assert "Сначала мы отправим на этот адрес код" in page
    response = client.post("/ask/email", data={"entry_id": entry.id, "email": "me@example.org", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="kb-code"' in page and 'value="me@example.org"' in page
    code = code_in(mails()[0])
    response = client.post("/ask/email", data={"entry_id": entry.id, "email": "me@example.org", "code": "12",
                                               "csrf_token": token})
    assert 'id="kb-code-error"' in response.get_data(as_text=True)
    response = client.post("/ask/email", data={"entry_id": entry.id, "email": "me@example.org", "code": code,
                                               "csrf_token": token})
    assert response.status_code == 302
    assert len(mails("me@example.org")) == 2


@pytest.mark.parametrize("entry", [10**24, -(10**24), True, 2**31])
def test_an_entry_id_out_of_range_is_a_404_not_a_500(client, h, small_base, entry):
    """Found by schemathesis: a 25-digit id overflowed the database driver."""
    for url in (URL, "/api/v1/ask/save"):
        response = h.post_json(client, url, {"entry_id": entry, "email": "me@example.org"})
        assert response.status_code in (401, 404), (url, response.status_code)
