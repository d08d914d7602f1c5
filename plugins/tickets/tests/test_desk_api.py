"""The desk over REST (issue 18): every desk action is allowed and refused exactly as on the desk's
pages — the same cases run against the page and the REST route, on two identically prepared
requests, and must end in the same outcome and the same stored state (status, assignee, profile,
thread, history, audit, outbox). Plus the queue's filters, the thread with access-checked
downloads, and tokens' scopes."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from sep_core import AuditEntry, OutboxMessage, db
from sep_core.tokens import create_token

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web", "identity_check")

FIELDS = {"surname": "Иванов", "first_name": "Иван", "patronymic": "", "email": "ivan@example.org", "phone": "",
          "subject": "Нужна выписка", "description": "Не могу скачать выписку из ЭПТС в личном кабинете."}


def new_ticket(owner, *, escalated_to: str | None = None, closed: bool = False, actor=None):
    from sep_plugins.tickets import service

    ticket = service.create_ticket(user=owner, fields=FIELDS, category=service.category_by_code("extract"),
                                   channel="web")
    if escalated_to:
        service.escalate(ticket, actor, escalated_to, "сложный случай")
    if closed:
        service.staff_close(ticket, actor)
    return ticket.number


# (page action, page fields, REST method+path suffix, REST JSON)
ACTIONS = {
    "view": (None, None, ("GET", ""), None),
    "take": ("take", {}, ("POST", "/take"), {}),
    "assign": ("assign", {"assign-assignee": "{duty}"}, ("POST", "/assign"), {"assignee_id": "{duty}"}),
    "reply": ("reply", {"reply-body": "Выписка доступна в кабинете."}, ("POST", "/messages"),
              {"body": "Выписка доступна в кабинете."}),
    "note": ("note", {"note-body": "Проверить СТС"}, ("POST", "/messages"),
             {"body": "Проверить СТС", "internal": True}),
    "documents": ("documents", {"documents-body": "Пришлите СТС"}, ("POST", "/documents"), {"body": "Пришлите СТС"}),
    "requirement": ("requirement", {"requirement-text": "Обновите браузер"}, ("POST", "/requirement"),
                    {"text": "Обновите браузер"}),
    "escalate": ("escalate", {"escalate-profile": "tech_support", "escalate-reason": "сложный",
                              "escalate-assignee": ""},
                 ("POST", "/escalate"), {"profile": "tech_support", "reason": "сложный"}),
    "identity": ("identity", {"identity-channel": "email", "identity-reason": "смена владельца"},
                 ("POST", "/identity"), {"channel": "email", "reason": "смена владельца"}),
    "close": ("close", {}, ("POST", "/status"), {"status": "closed"}),
    # refused by the rules
    "reply_empty": ("reply", {"reply-body": ""}, ("POST", "/messages"), {"body": ""}),
    "escalate_unknown_profile": ("escalate", {"escalate-profile": "nope", "escalate-reason": "x",
                                              "escalate-assignee": ""},
                                 ("POST", "/escalate"), {"profile": "nope", "reason": "x"}),
    "assign_citizen": ("assign", {"assign-assignee": "{citizen}"}, ("POST", "/assign"), {"assignee_id": "{citizen}"}),
    "identity_unknown_channel": ("identity", {"identity-channel": "max"}, ("POST", "/identity"), {"channel": "max"}),
}
CLOSED_ACTIONS = ("take", "reply", "escalate", "identity", "close", "view")  # on a closed request

ACTORS = ("anonymous", "owner", "other_citizen", "kb_editor", "duty", "admin", "specialist_of_profile",
          "specialist_other_profile")


def page_outcome(response, actor) -> str:
    if actor == "anonymous" and response.status_code in (403, 404):
        return "no_account"  # the page's rule for visitors: 403 on GET, 404 on POST
    return {200: "ok", 302: "ok", 400: "refused", 403: "forbidden", 404: "not_found"}.get(response.status_code,
                                                                                            str(response.status_code))


def api_outcome(response) -> str:
    return {200: "ok", 400: "refused", 409: "refused", 401: "no_account", 403: "forbidden",
            404: "not_found"}.get(response.status_code, str(response.status_code))


def state(number: str) -> tuple:
    """What the action left behind, without what necessarily differs (the number, ids, tokens)."""
    from sep_plugins.tickets.models import HistoryEntry, Message, Ticket

    db.session.expire_all()
    t = db.session.execute(select(Ticket).filter_by(number=number)).scalar_one()
    messages = Counter((m.kind, m.internal, m.body) for m in db.session.execute(select(Message).filter_by(
        ticket_id=t.id)).scalars())
    history = [(h.kind, h.actor_id, {k: v for k, v in (h.data or {}).items()})
               for h in db.session.execute(select(HistoryEntry).filter_by(ticket_id=t.id)
                                           .order_by(HistoryEntry.id)).scalars()]
    audit = [(a.action, a.actor_id) for a in db.session.execute(select(AuditEntry).filter_by(
        object_id=number).order_by(AuditEntry.id)).scalars()]
    mail = db.session.execute(select(OutboxMessage.id)).all()
    return (t.status, t.assignee_id, t.profile, t.paused_at is not None, messages, history, audit, len(mail))


@pytest.fixture
def people(app, h, citizen, duty, specialist):
    return {"owner": citizen, "duty": duty, "specialist_of_profile": specialist,
            "other_citizen": h.make_user("b@example.org"),
            "kb_editor": h.make_user("kb@example.org", role="kb_editor"),
            "admin": h.make_user("admin@example.org", role="admin"),
            "specialist_other_profile": h.make_user("legal@example.org", role="specialist", profiles=["legal"])}


@pytest.mark.parametrize("actor", ACTORS)
def test_every_desk_action_is_allowed_and_refused_as_on_the_page(app, h, people, actor):
    from sep_core.testing import csrf_token

    page, rest = app.test_client(), app.test_client()
    user = people.get(actor)
    headers: dict = {"X-CSRFToken": csrf_token(rest)}  # a visitor's session has a CSRF token too
    if user is not None:
        h.login(page, user)
        if user.is_staff:
            headers = {"Authorization": "Bearer " + create_token(user, ["tickets:read", "tickets:write"])[1]}
        else:  # citizens have no tokens: their session, with CSRF as always
            h.login(rest, user)
            headers = {"X-CSRFToken": csrf_token(rest)}
    ids = {"{duty}": people["duty"].id, "{citizen}": people["owner"].id}
    seen = []
    for name, (page_action, page_fields, (method, suffix), body) in [
            *ACTIONS.items(), *((f"{n}_on_closed", ACTIONS[n]) for n in CLOSED_ACTIONS)]:
        setup = {"escalated_to": "tech_support", "actor": people["duty"]} if actor.startswith("specialist") else {}
        if name.endswith("_on_closed"):
            setup = {**setup, "closed": True, "actor": people["duty"]}
        a, b = new_ticket(people["owner"], **setup), new_ticket(people["owner"], **setup)
        before = state(a)
        assert before[1:] == state(b)[1:]
        if page_action is None:
            via_page = page.get(f"/desk/requests/{a}")
        else:
            fields = {k: ids.get(v, v) for k, v in page_fields.items()}
            via_page = h.desk_post(page, a, page_action, **fields)
        json_body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in (body or {}).items()}
        via_api = rest.open(f"/api/v1/desk/tickets/{b}{suffix}", method=method,
                            json=json_body if method == "POST" else None, headers=headers)
        outcome = page_outcome(via_page, actor)
        assert outcome == api_outcome(via_api), (name, via_page.status_code, via_api.status_code, via_api.get_json())
        assert state(a) == state(b), name
        seen.append((name, outcome))
    expected_ok = {"duty": True, "admin": True, "specialist_of_profile": True}.get(actor, False)
    assert (dict(seen)["reply"] == "ok") is expected_ok, seen
    assert dict(seen)["reply_empty"] == ("refused" if expected_ok else dict(seen)["reply"])
    assert (dict(seen)["identity"] == "ok") is expected_ok, seen


@pytest.fixture
def token(app, duty):
    return create_token(duty, ["tickets:read", "tickets:write"])[1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_read_only_token_lists_and_reads_but_cannot_act(app, client, citizen, duty):
    number = new_ticket(citizen)
    _, read_only = create_token(duty, ["tickets:read"])
    assert client.get("/api/v1/desk/tickets", headers=bearer(read_only)).status_code == 200
    assert client.get(f"/api/v1/desk/tickets/{number}", headers=bearer(read_only)).status_code == 200
    for suffix, body in (("/take", {}), ("/messages", {"body": "x"}), ("/status", {"status": "closed"})):
        answer = client.post(f"/api/v1/desk/tickets/{number}{suffix}", json=body, headers=bearer(read_only))
        assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "insufficient_scope"
    assert state(number)[0] == "new"
    _, kb_only = create_token(duty, ["kb:read"])
    assert client.get("/api/v1/desk/tickets", headers=bearer(kb_only)).status_code == 403


def test_the_queue_filters_like_the_desk(app, client, citizen, duty, specialist, token, clock, h):
    from sep_plugins.tickets import access, service, sla

    first = new_ticket(citizen)
    clock.advance(days=3)  # the first is overdue now
    second = new_ticket(citizen)
    third = new_ticket(citizen, escalated_to="tech_support", actor=duty)
    closed = new_ticket(citizen, closed=True, actor=duty)
    ticket = access.ticket_by_number(second)
    service.take(ticket, duty)

    def numbers(query: str = "", auth=token) -> list[str]:
        answer = client.get("/api/v1/desk/tickets" + query, headers=bearer(auth))
        assert answer.status_code == 200, answer.get_json()
        return [item["number"] for item in answer.get_json()["items"]]

    assert numbers() == [first, second, third]  # open ones, the most urgent first
    assert set(numbers("?status=all")) == {first, second, third, closed}
    assert numbers("?status=closed") == [closed]
    overdue = [n for n in (first, second, third) if sla.is_overdue(access.ticket_by_number(n))]
    assert first in overdue and second not in overdue
    assert numbers("?overdue=true") == overdue == numbers("?due=overdue")
    # the page's overdue filter lists the same requests
    h.login(client, duty)
    page = client.get("/desk?due=overdue").get_data(as_text=True)
    assert [n for n in (first, second, third) if n in page] == overdue
    h.logout(client)
    assert numbers("?assignee=me") == [second] == numbers(f"?assignee={duty.id}")
    assert numbers("?assignee=none") == [first, third]  # escalated without a roster: nobody
    assert numbers("?profile=tech_support") == [third]
    assert numbers("?channel=web") == [first, second, third] and numbers("?channel=phone") == []
    assert numbers(f"?q={second}") == [second] and numbers("?q=выписк") == [first, second, third]
    assert numbers("?q=ivan@example.org") == [first, second, third] and numbers("?q=nothing") == []
    page = client.get("/api/v1/desk/tickets?per_page=2&page=1", headers=bearer(token)).get_json()
    assert (len(page["items"]), page["more"]) == (2, True)
    assert numbers("?per_page=2&page=2") == [third]
    # the specialist sees the request of their profile only, like on the page
    _, spec_token = create_token(specialist, ["tickets:read"])
    assert numbers("?status=all", spec_token) == [third]
    for bad in ("?status=lost", "?per_page=0", "?per_page=101", "?page=x", "?overdue=yes", "?assignee=someone",
                "?channel=Web!", "?overdue=true&due=soon"):
        answer = client.get("/api/v1/desk/tickets" + bad, headers=bearer(token))
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_parameters", bad


def test_one_request_has_its_thread_and_downloads_are_checked(app, client, citizen, duty, specialist, token, h):
    h.login(client, citizen)
    h.file_new_request(client, files=[h.upload(h.pdf_bytes(), "скан.pdf")])
    h.logout(client)
    from sep_plugins.tickets.models import Ticket

    number = db.session.execute(select(Ticket.number)).scalar_one()
    client.post(f"/api/v1/desk/tickets/{number}/messages", json={"body": "Только для своих", "internal": True},
                headers=bearer(token))
    client.post(f"/api/v1/desk/tickets/{number}/messages", json={"body": "Готово"}, headers=bearer(token))
    detail = client.get(f"/api/v1/desk/tickets/{number}", headers=bearer(token)).get_json()
    assert [(m["kind"], m["internal"]) for m in detail["messages"]] == [("citizen", False), ("note", True),
                                                                        ("reply", False)]
    assert detail["status"] == "answered" and detail["contact"]["email"] == "ivan@example.org"
    [attachment] = detail["attachments"]
    assert detail["messages"][0]["attachments"] == [attachment]
    download = client.get(attachment["url"], headers=bearer(token))
    assert download.status_code == 200 and download.data == h.pdf_bytes()
    assert download.headers["Content-Type"] == "application/pdf"
    audited = [a.action for a in db.session.execute(select(AuditEntry).filter_by(object_id=number)).scalars()]
    assert audited.count("ticket_viewed") == 1 and audited.count("ticket_attachment_viewed") == 1
    # a specialist of another profile: neither the request nor its file
    other = h.make_user("legal@example.org", role="specialist", profiles=["legal"])
    _, other_token = create_token(other, ["tickets:read"])
    assert client.get(f"/api/v1/desk/tickets/{number}", headers=bearer(other_token)).status_code == 404
    assert client.get(attachment["url"], headers=bearer(other_token)).status_code == 404
    assert client.get(attachment["url"]).status_code == 401  # nobody signed in
    assert client.get("/api/v1/desk/attachments/999999", headers=bearer(token)).status_code == 404
    # the citizen's own API never shows the note, whatever the desk API does
    h.login(client, citizen)
    mine = client.get(f"/api/v1/tickets/{number}").get_json()
    assert [m["kind"] for m in mine["messages"]] == ["citizen", "reply"]


def test_a_reply_with_a_file_over_rest(app, client, citizen, token, h):
    number = new_ticket(citizen)
    answer = client.post(f"/api/v1/desk/tickets/{number}/messages", headers=bearer(token),
                         data={"body": "Инструкция во вложении", "attachments": [h.upload(h.pdf_bytes("x"), "a.pdf")]},
                         content_type="multipart/form-data")
    assert answer.status_code == 200, answer.get_json()
    detail = client.get(f"/api/v1/desk/tickets/{number}", headers=bearer(token)).get_json()
    assert detail["messages"][-1]["attachments"][0]["filename"] == "a.pdf"
    refused = client.post(f"/api/v1/desk/tickets/{number}/messages", headers=bearer(token),
                          data={"body": "x", "attachments": [h.upload(b"MZ\x90\x00", "a.exe")]},
                          content_type="multipart/form-data")
    assert refused.status_code == 422


def test_wrong_bodies_are_400s(app, client, citizen, token):
    number = new_ticket(citizen)
    url = f"/api/v1/desk/tickets/{number}"
    for suffix, body in (("/messages", [1]), ("/messages", {"body": {"x": 1}}), ("/messages", {"body": "x",
                                                                                             "internal": "maybe"}),
                         ("/assign", {"assignee_id": "abc"}), ("/assign", {}), ("/status", {"status": "new"}),
                         ("/requirement", {"requirement_ids": [{"a": 1}]})):
        answer = client.post(url + suffix, json=body, headers=bearer(token))
        assert answer.status_code == 400, (suffix, body, answer.get_json())
    assert state(number)[0] == "new"
