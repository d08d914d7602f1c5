"""The knowledge base over REST (issue 18): entries and phrasings CRUD with a revision for every
change, rollback, and import/export as `sep kb import/export` does them; editors only; tokens need
kb:read / kb:write, sessions keep CSRF."""

from __future__ import annotations

import json

import pytest

from sep_core import AuditEntry, db
from sep_core.testing import create_user, csrf_token, sign_in
from sep_core.tokens import create_token

pytestmark = pytest.mark.sep_plugins("kb_keyword")

ENTRY = {"external_id": "faq-17", "question": "Как получить выписку из ЭПТС?", "phrasings": ["где взять выписку"],
         "keyphrases": ["выписка"], "answer_md": "Откройте **личный кабинет** и нажмите «Выписка».",
         "category": "Выписки", "status": "published", "locale": "ru"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def editor(app):
    return create_user("kb@example.ru", role="kb_editor")


@pytest.fixture
def writer(editor):
    return create_token(editor, ["kb:read", "kb:write"])[1]


def test_crud_with_revisions_and_rollback(app, client, writer):
    created = client.post("/api/v1/kb/entries", json={**ENTRY, "comment": "из CRM"}, headers=bearer(writer))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    entry_id = body["id"]
    assert {k: body[k] for k in ENTRY} == ENTRY and body["revision"] == 1
    url = f"/api/v1/kb/entries/{entry_id}"
    assert client.get(url, headers=bearer(writer)).get_json() == body
    changed = client.patch(url, json={"status": "draft", "base_revision": 1}, headers=bearer(writer)).get_json()
    assert (changed["status"], changed["revision"]) == ("draft", 2)
    stale = client.patch(url, json={"status": "published", "base_revision": 1}, headers=bearer(writer))
    assert stale.status_code == 409 and stale.get_json()["error"]["details"] == {"revision": 2}
    same = client.patch(url, json={"status": "draft"}, headers=bearer(writer)).get_json()
    assert same["revision"] == 2  # nothing changed, no revision
    replaced = client.put(url, json={"question": "Новая формулировка?", "answer_md": "Ответ."},
                          headers=bearer(writer)).get_json()
    assert (replaced["question"], replaced["phrasings"], replaced["external_id"], replaced["revision"]) == (
        "Новая формулировка?", [], None, 3)
    revisions = client.get(url + "/revisions", headers=bearer(writer)).get_json()["revisions"]
    assert [r["number"] for r in revisions] == [3, 2, 1] and revisions[2]["comment"] == "из CRM"
    assert "status" in revisions[1]["diff"] and revisions[2]["snapshot"]["question"] == ENTRY["question"]
    restored = client.post(url + "/rollback", json={"number": 1}, headers=bearer(writer)).get_json()
    assert {k: restored[k] for k in ENTRY} == ENTRY and restored["revision"] == 4
    assert client.post(url + "/rollback", json={"number": 99}, headers=bearer(writer)).status_code == 404
    listed = client.get("/api/v1/kb/entries?external_id=faq-17", headers=bearer(writer)).get_json()
    assert [e["id"] for e in listed["items"]] == [entry_id]
    assert client.get("/api/v1/kb/entries?q=выписку", headers=bearer(writer)).get_json()["items"][0]["id"] == entry_id
    assert client.delete(url, headers=bearer(writer)).get_json() == {"deleted": entry_id}
    assert client.get(url, headers=bearer(writer)).status_code == 404
    actions = [a.action for a in db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert actions == ["api_token_created", "kb_entry_created", "kb_entry_deleted"]


def test_phrasings_are_added_once_and_removed_by_position(app, client, writer):
    entry_id = client.post("/api/v1/kb/entries", json=ENTRY, headers=bearer(writer)).get_json()["id"]
    url = f"/api/v1/kb/entries/{entry_id}/phrasings"
    added = client.post(url, json={"phrasing": "как  скачать выписку"}, headers=bearer(writer))
    assert added.status_code == 201
    assert added.get_json() == {"phrasings": ["где взять выписку", "как скачать выписку"], "revision": 2}
    again = client.post(url, json={"phrasing": "Где взять выписку"}, headers=bearer(writer))
    assert again.status_code == 200 and again.get_json()["revision"] == 2
    removed = client.delete(url + "/1", headers=bearer(writer)).get_json()
    assert removed == {"phrasings": ["как скачать выписку"], "revision": 3}
    assert client.delete(url + "/5", headers=bearer(writer)).status_code == 404
    assert client.get(url, headers=bearer(writer)).get_json()["phrasings"] == ["как скачать выписку"]


def test_import_and_export_are_what_the_cli_does(app, client, writer, tmp_path):
    rows = [ENTRY, {"id": "t-2", "title": "Какой режим работы телефона?", "text": "С 06:00 до 18:00."}]
    imported = client.post("/api/v1/kb/import", json={"entries": rows}, headers=bearer(writer))
    assert imported.get_json() == {"created": 2, "updated": 0, "committed": True, "rejected": []}
    exported = client.get("/api/v1/kb/export", headers=bearer(writer)).get_json()["entries"]
    out = tmp_path / "kb.jsonl"
    assert app.test_cli_runner().invoke(args=["kb", "export", str(out)]).exit_code == 0
    assert exported == [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    again = client.post("/api/v1/kb/import", json={"entries": [{**ENTRY, "answer_md": "Новый ответ."}]},
                        headers=bearer(writer))
    assert again.get_json()["updated"] == 1
    bad = client.post("/api/v1/kb/import", json={"entries": [{"question": "без ответа"}, ENTRY]},
                      headers=bearer(writer))
    assert bad.status_code == 422 and bad.get_json()["rejected"][0]["row"] == 1
    assert client.get("/api/v1/kb/entries?external_id=faq-17", headers=bearer(writer)).get_json()["items"][0][
        "answer_md"] == "Новый ответ."  # the rejected import changed nothing


def test_who_may_read_and_write(app, client, editor):
    _, reader = create_token(editor, ["kb:read"])
    assert client.get("/api/v1/kb/entries", headers=bearer(reader)).status_code == 200
    refused = client.post("/api/v1/kb/entries", json=ENTRY, headers=bearer(reader))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_scope"
    duty = create_user("duty@example.ru", role="duty")
    _, duty_token = create_token(duty, ["kb:read", "kb:write"])
    assert client.get("/api/v1/kb/entries", headers=bearer(duty_token)).status_code == 403  # not an editor
    assert client.get("/api/v1/kb/entries").status_code == 401
    sign_in(client, editor)
    assert client.post("/api/v1/kb/entries", json=ENTRY).status_code == 400  # a session needs CSRF
    assert client.post("/api/v1/kb/entries", json=ENTRY, headers={"X-CSRFToken": csrf_token(client)}).status_code == 201


def test_wrong_input_is_a_400_or_409(app, client, writer):
    first = client.post("/api/v1/kb/entries", json=ENTRY, headers=bearer(writer)).get_json()["id"]
    taken = client.post("/api/v1/kb/entries", json={**ENTRY, "question": "другой"}, headers=bearer(writer))
    assert taken.status_code == 409
    for body in ([], {"question": "x"}, {**ENTRY, "external_id": None, "phrasings": "строка"},
                 {**ENTRY, "external_id": None, "status": "gone"}, {**ENTRY, "external_id": None, "extra": 1},
                 {**ENTRY, "external_id": None, "answer_md": "   "}):
        answer = client.post("/api/v1/kb/entries", json=body, headers=bearer(writer))
        assert answer.status_code == 400, (body, answer.get_json())
    assert client.put(f"/api/v1/kb/entries/{first}", json={"question": "x"}, headers=bearer(writer)).status_code == 400
    for path in ("2147483648", "0", "abc", "0000000000001"):  # 404 like any unknown id, for every method
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            answer = client.open(f"/api/v1/kb/entries/{path}", method=method, json=ENTRY, headers=bearer(writer))
            assert answer.status_code == 404, (path, method)
    for query in ("?per_page=0", "?page=x", "?status=gone"):
        assert client.get("/api/v1/kb/entries" + query, headers=bearer(writer)).status_code == 400


def test_the_bot_answers_from_an_entry_created_over_rest(app, client, writer, h):
    client.post("/api/v1/kb/entries", json={**ENTRY, "question": "Как поменять номер двигателя в паспорте?",
                                            "answer_md": "Номер двигателя меняет только орган, выдавший паспорт."},
                headers=bearer(writer))
    anonymous = app.test_client()
    answer = h.post_json(anonymous, "/api/v1/ask", {"question": "поменять номер двигателя"}).get_json()
    assert "двигателя" in json.dumps(answer, ensure_ascii=False)
