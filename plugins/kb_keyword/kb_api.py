"""The knowledge base over REST (``/api/v1/kb/...``), for systems that keep a base in sync: entries
and their phrasings, created, read, changed and deleted with a revision for every change, revision
history and rollback, and bulk import/export in the rows of ``sep kb import/export``.

The same functions as the staff editor (``/desk/kb``) and the command line (``kb.save_entry``,
``kb.rollback``, ``kb.add_phrasing``, ``kb.import_rows``, ``kb.export_rows``), the same rule for who
may edit (``kb_editor`` or ``admin``). Callers: a staff session (plus ``X-CSRFToken`` on writes)
or an API token with ``kb:read`` / ``kb:write``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from sep_core import API_PREFIX, ApiError, api_doc, audit, db, require_scope

from . import kb
from .engine import bump_version
from .models import STATUSES, KbEntry, KbQuestion, KbRevision, KbSaved

kb_api = Blueprint("kb_keyword_api", __name__, url_prefix=API_PREFIX + "/kb")

MAX_PER_PAGE = 200
ENTRY_ID = {"name": "entry_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "example": 1}
_list = {"type": "array", "items": {"type": "string", "maxLength": kb.MAX_QUESTION}, "maxItems": 500}
ENTRY_FIELDS = {
    "external_id": {"type": ["string", "null"], "maxLength": 120,
                    "description": "Your system's id of the entry (unique); import and phrasings use it"},
    "question": {"type": "string", "minLength": 1, "maxLength": kb.MAX_QUESTION},
    "phrasings": _list, "keyphrases": _list,
    "answer_md": {"type": "string", "minLength": 1, "maxLength": kb.MAX_ANSWER, "description": "Markdown"},
    "category": {"type": "string", "maxLength": 120},
    "status": {"type": "string", "enum": list(STATUSES)},
    "locale": {"type": "string", "enum": ["ru", "en"]},
}
#: what entries hold (rows imported from files may exceed what this API accepts)
ENTRY_SCHEMA = {"type": "object", "required": ["id", "question", "answer_md", "status", "revision"], "properties": {
    "id": {"type": "integer"}, "external_id": {"type": ["string", "null"]}, "question": {"type": "string"},
    "phrasings": {"type": "array", "items": {"type": "string"}},
    "keyphrases": {"type": "array", "items": {"type": "string"}}, "answer_md": {"type": "string"},
    "category": {"type": "string"}, "status": {"type": "string", "enum": list(STATUSES)}, "locale": {"type": "string"},
    "revision": {"type": "integer"},
    "updated_at": {"type": "string", "format": "date-time"}}}
ENTRY_EXAMPLE = {"id": 1, "external_id": "faq-17", "question": "Как получить выписку из ЭПТС?",
                 "phrasings": ["где скачать выписку"], "keyphrases": ["выписка"],
                 "answer_md": "Откройте **личный кабинет** и нажмите «Выписка».", "category": "Выписки",
                 "status": "published", "locale": "ru", "revision": 3, "updated_at": "2026-12-07T09:15:00Z"}
WRITE_BODY = {"type": "object", "required": ["question", "answer_md"], "properties": {
    **ENTRY_FIELDS, "comment": {"type": "string", "maxLength": 200, "description": "Kept with the revision"},
    "base_revision": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                      "description": "Refuse (409) if the entry has changed since this revision"}},
    "example": {k: v for k, v in ENTRY_EXAMPLE.items() if k not in ("id", "revision", "updated_at")}}
PATCH_BODY = {**WRITE_BODY, "required": [], "example": {"status": "draft", "comment": "на проверку"}}
ERRORS = {400: "Invalid fields (invalid_fields)", 401: "No valid token or session",
          403: "Not a knowledge-base editor (kb_editor, admin), or the token's scope"}
NOT_FOUND = {404: "No such entry"}


def _json(schema: dict, example=None, description: str = "OK") -> dict:
    content: dict = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"description": description, "content": {"application/json": content}}


def editor() -> None:
    """The staff editor's rule (``editor_required``), with API statuses."""
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Sign in, or send an API token.")
    if not current_user.has_role("kb_editor"):
        raise ApiError(403, "forbidden", "Only knowledge-base editors (kb_editor, admin).")


def _revision(entry: KbEntry) -> int:
    return db.session.execute(db.select(db.func.max(KbRevision.number)).where(
        KbRevision.entry_id == entry.id)).scalar() or 0


def entry_json(entry: KbEntry) -> dict:
    return {"id": entry.id, **entry.snapshot(), "revision": _revision(entry),
            "updated_at": entry.updated_at.isoformat() + "Z" if entry.updated_at else None}


def _number(value: str) -> int | None:
    """A path's id: digits within a database integer, else None (a 404 like any unknown id). The
    rules take strings, not <int:>: werkzeug answers 405 instead of 404 when an <int:> part is out
    of range on a path whose other methods are separate rules."""
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) <= 2**31 - 1 else None


def _entry(entry_id: str) -> KbEntry:
    editor()
    number = _number(entry_id) if len(entry_id) <= 12 else None
    entry = db.session.get(KbEntry, number) if number is not None else None
    if entry is None:
        raise ApiError(404, "not_found", "No such entry.")
    return entry


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return data


def _check_types(data: dict) -> None:
    bad = {}
    for name, value in data.items():
        spec = ENTRY_FIELDS.get(name)
        if spec is None:
            if name not in ("comment", "base_revision"):
                bad[name] = ["unknown field"]
            continue
        if value is None and name == "external_id":
            continue
        if spec["type"] == "array":
            if not isinstance(value, list) or len(value) > 500 or not all(
                    isinstance(v, str) and len(v) <= kb.MAX_QUESTION for v in value):
                bad[name] = [f"a list of at most 500 texts of at most {kb.MAX_QUESTION} characters"]
        elif not isinstance(value, str):
            bad[name] = ["a string"]
        elif len(value) > spec.get("maxLength", len(value)):
            bad[name] = [f"at most {spec['maxLength']} characters"]
        elif "enum" in spec and value not in spec["enum"]:
            bad[name] = ["one of " + ", ".join(spec["enum"])]
    comment = data.get("comment", "")
    if not isinstance(comment, str) or len(comment) > 200:
        bad["comment"] = ["a string of at most 200 characters"]
    base = data.get("base_revision")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool) or base < 1):
        bad["base_revision"] = ["a revision number"]
    if bad:
        raise ApiError(400, "invalid_fields", "Some fields are missing or invalid.", {"fields": bad})


def _save(entry: KbEntry | None, data: dict, comment: str):
    """``kb.save_entry`` with the editor's external-id rule; the caller commits."""
    external = data.get("external_id")
    external = external.strip() or None if isinstance(external, str) else None
    data = {**data, "external_id": external}
    if external and db.session.execute(db.select(KbEntry.id).where(
            KbEntry.external_id == external, KbEntry.id != (entry.id if entry else -1))).first():
        raise ApiError(409, "external_id_taken", "Another entry has this external id.")
    try:
        return kb.save_entry(entry, data, current_user.id, comment=comment or "api")
    except kb.KbError as exc:
        db.session.rollback()
        raise ApiError(400, "invalid_fields", str(exc)) from None


# --- entries -----------------------------------------------------------------------------------------


@kb_api.get("/entries")
@require_scope("kb:read")
@api_doc("Knowledge-base entries, newest first (q: words of the question; status; external_id)", tags=["kb"],
         parameters=[{"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200}},
                     {"name": "status", "in": "query", "required": False,
                      "schema": {"type": "string", "enum": list(STATUSES)}},
                     {"name": "external_id", "in": "query", "required": False,
                      "schema": {"type": "string", "minLength": 1, "maxLength": 120}},
                     {"name": "page", "in": "query", "required": False,
                      "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1}},
                     {"name": "per_page", "in": "query", "required": False,
                      "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50}}],
         responses={200: _json({"type": "object", "required": ["items", "page", "more"], "properties": {
             "items": {"type": "array", "items": ENTRY_SCHEMA}, "page": {"type": "integer"},
             "per_page": {"type": "integer"}, "more": {"type": "boolean"}}},
             {"items": [ENTRY_EXAMPLE], "page": 1, "per_page": 50, "more": False}), **ERRORS})
def entries():
    editor()
    args = request.args
    bad = {}
    page, per_page = args.get("page", "1"), args.get("per_page", "50")
    if not page.isdigit() or not 1 <= int(page) <= 10000:
        bad["page"] = ["1 to 10000"]
    if not per_page.isdigit() or not 1 <= int(per_page) <= MAX_PER_PAGE:
        bad["per_page"] = [f"1 to {MAX_PER_PAGE}"]
    if "status" in args and args["status"] not in STATUSES:
        bad["status"] = ["draft or published"]
    if len(args.get("q", "")) > 200 or not 1 <= len(args.get("external_id", "x")) <= 120:
        bad["q"] = ["too long"]
    if bad:
        raise ApiError(400, "invalid_parameters", "Some query parameters are invalid.", {"fields": bad})
    stmt = db.select(KbEntry).order_by(KbEntry.id.desc())
    q = args.get("q", "").strip()
    if q:
        stmt = stmt.where(KbEntry.question.ilike("%" + q.replace("\\", "\\\\").replace("%", "\\%")
                                                 .replace("_", "\\_") + "%", escape="\\"))
    if "status" in args:
        stmt = stmt.where(KbEntry.status == args["status"])
    if "external_id" in args:
        stmt = stmt.where(KbEntry.external_id == args["external_id"])
    page_no, size = int(page), int(per_page)
    rows = db.session.execute(stmt.offset((page_no - 1) * size).limit(size + 1)).scalars().all()
    return jsonify({"items": [entry_json(e) for e in rows[:size]], "page": page_no, "per_page": size,
                    "more": len(rows) > size})


@kb_api.post("/entries")
@require_scope("kb:write")
@api_doc("Create an entry (revision 1)", tags=["kb"], request_body=WRITE_BODY,
         responses={201: _json(ENTRY_SCHEMA, ENTRY_EXAMPLE, "Created"), **ERRORS,
                    409: "Another entry has this external id (external_id_taken)"})
def create_entry():
    editor()
    data = _body()
    _check_types(data)
    entry = _save(None, {k: v for k, v in data.items() if k in ENTRY_FIELDS}, data.get("comment", ""))
    audit(current_user, "kb_entry_created", "kb_entry", entry.id)
    db.session.commit()
    return jsonify(entry_json(entry)), 201


@kb_api.get("/entries/<entry_id>")
@require_scope("kb:read")
@api_doc("One entry", tags=["kb"], parameters=[ENTRY_ID],
         responses={200: _json(ENTRY_SCHEMA, ENTRY_EXAMPLE), **ERRORS, **NOT_FOUND})
def entry(entry_id: str):
    return jsonify(entry_json(_entry(entry_id)))


def _change(entry_id: str, partial: bool):
    entry = _entry(entry_id)
    data = _body()
    _check_types(data)
    base = data.get("base_revision")
    if base is not None and base != _revision(entry):
        raise ApiError(409, "revision_conflict", f"The entry is at revision {_revision(entry)}, not {base}.",
                       {"revision": _revision(entry)})
    fields = {k: v for k, v in data.items() if k in ENTRY_FIELDS}
    if not partial:
        missing = [k for k in ("question", "answer_md") if k not in fields]
        if missing:
            raise ApiError(400, "missing_field", f"Missing field(s): {', '.join(missing)}.", {"fields": missing})
        fields = {"external_id": None, "phrasings": [], "keyphrases": [], "category": "", "status": "published",
                  "locale": "ru", **fields}
    merged = {**entry.snapshot(), **fields}
    if merged == entry.snapshot():
        return jsonify(entry_json(entry))  # nothing changed: no revision
    _save(entry, merged, data.get("comment", ""))
    db.session.commit()
    return jsonify(entry_json(entry))


@kb_api.put("/entries/<entry_id>")
@require_scope("kb:write")
@api_doc("Replace an entry (a new revision; fields left out take their defaults)", tags=["kb"],
         parameters=[ENTRY_ID], request_body=WRITE_BODY,
         responses={200: _json(ENTRY_SCHEMA, ENTRY_EXAMPLE), **ERRORS, **NOT_FOUND,
                    409: "base_revision is not the entry's revision (revision_conflict), or the external id is "
                         "taken"})
def replace_entry(entry_id: str):
    return _change(entry_id, partial=False)


@kb_api.patch("/entries/<entry_id>")
@require_scope("kb:write")
@api_doc("Change some fields of an entry (a new revision)", tags=["kb"], parameters=[ENTRY_ID],
         request_body=PATCH_BODY,
         responses={200: _json(ENTRY_SCHEMA, ENTRY_EXAMPLE), **ERRORS, **NOT_FOUND,
                    409: "base_revision is not the entry's revision, or the external id is taken"})
def patch_entry(entry_id: str):
    return _change(entry_id, partial=True)


@kb_api.delete("/entries/<entry_id>")
@require_scope("kb:write")
@api_doc("Delete an entry with its revisions (audited; to hide an answer and keep its history, PATCH "
         "status to draft)", tags=["kb"], parameters=[ENTRY_ID],
         responses={200: _json({"type": "object", "properties": {"deleted": {"type": "integer"}}}, {"deleted": 1}),
                    **ERRORS, **NOT_FOUND})
def delete_entry(entry_id: str):
    entry = _entry(entry_id)
    deleted = entry.id
    audit(current_user, "kb_entry_deleted", "kb_entry", entry.id, reason=f"revision {_revision(entry)}")
    db.session.execute(db.delete(KbRevision).where(KbRevision.entry_id == entry.id))
    db.session.execute(db.delete(KbSaved).where(KbSaved.entry_id == entry.id))
    db.session.execute(db.update(KbQuestion).where(KbQuestion.entry_id == entry.id).values(entry_id=None))
    db.session.delete(entry)
    bump_version()
    db.session.commit()
    return jsonify({"deleted": deleted})


# --- revisions ---------------------------------------------------------------------------------------

REVISION_SCHEMA = {"type": "object", "properties": {
    "number": {"type": "integer"}, "author_id": {"type": ["integer", "null"]},
    "created_at": {"type": "string", "format": "date-time"}, "comment": {"type": "string"},
    "diff": {"type": "string"}, "snapshot": {"type": "object"}}}


@kb_api.get("/entries/<entry_id>/revisions")
@require_scope("kb:read")
@api_doc("The entry's revisions, newest first, each with its diff and full snapshot", tags=["kb"],
         parameters=[ENTRY_ID], responses={200: _json({"type": "object", "properties": {
             "revisions": {"type": "array", "items": REVISION_SCHEMA}}}), **ERRORS, **NOT_FOUND})
def revisions(entry_id: str):
    entry = _entry(entry_id)
    rows = db.session.execute(db.select(KbRevision).where(KbRevision.entry_id == entry.id)
                              .order_by(KbRevision.number.desc())).scalars()
    return jsonify({"revisions": [{"number": r.number, "author_id": r.author_id,
                                   "created_at": r.created_at.isoformat() + "Z", "comment": r.comment,
                                   "diff": r.diff, "snapshot": r.snapshot} for r in rows]})


@kb_api.post("/entries/<entry_id>/rollback")
@require_scope("kb:write")
@api_doc("Restore the entry as it was in a revision (recorded as a new revision)", tags=["kb"],
         parameters=[ENTRY_ID], request_body={"type": "object", "required": ["number"], "properties": {
             "number": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}, "example": {"number": 2}},
         responses={200: _json(ENTRY_SCHEMA, ENTRY_EXAMPLE), **ERRORS, 404: "No such entry or revision"})
def rollback(entry_id: str):
    entry = _entry(entry_id)
    number = _body().get("number")
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 2**31 - 1:
        raise ApiError(400, "invalid_fields", "'number' must be a revision number.", {"fields": {"number": ["int"]}})
    try:
        kb.rollback(entry, number, current_user.id)
    except kb.KbError:
        db.session.rollback()
        raise ApiError(404, "not_found", "The entry has no such revision.") from None
    db.session.commit()
    return jsonify(entry_json(entry))


# --- phrasings ---------------------------------------------------------------------------------------

PHRASINGS_SCHEMA = {"type": "object", "properties": {"phrasings": {"type": "array", "items": {"type": "string"}},
                                                     "revision": {"type": "integer"}}}


@kb_api.get("/entries/<entry_id>/phrasings")
@require_scope("kb:read")
@api_doc("The entry's other phrasings of the question", tags=["kb"], parameters=[ENTRY_ID],
         responses={200: _json(PHRASINGS_SCHEMA, {"phrasings": ["где скачать выписку"], "revision": 3}),
                    **ERRORS, **NOT_FOUND})
def phrasings(entry_id: str):
    entry = _entry(entry_id)
    return jsonify({"phrasings": list(entry.phrasings or []), "revision": _revision(entry)})


@kb_api.post("/entries/<entry_id>/phrasings")
@require_scope("kb:write")
@api_doc("Add a phrasing (a new revision; one the entry has already, ignoring case, is not added: 200)",
         tags=["kb"], parameters=[ENTRY_ID],
         request_body={"type": "object", "required": ["phrasing"], "properties": {
             "phrasing": {"type": "string", "minLength": 1, "maxLength": kb.MAX_QUESTION}},
             "example": {"phrasing": "как скачать выписку по ЭПТС"}},
         responses={201: _json(PHRASINGS_SCHEMA, description="Added"), **ERRORS, **NOT_FOUND})
def add_phrasing(entry_id: str):
    entry = _entry(entry_id)
    phrasing = _body().get("phrasing")
    if not isinstance(phrasing, str) or not phrasing.strip() or len(phrasing) > kb.MAX_QUESTION:
        raise ApiError(400, "invalid_fields", "'phrasing' must be a non-empty text.",
                       {"fields": {"phrasing": ["text"]}})
    added = kb.add_phrasing(entry, phrasing, current_user.id)
    db.session.commit()
    return jsonify({"phrasings": list(entry.phrasings or []), "revision": _revision(entry)}), (201 if added else 200)


@kb_api.delete("/entries/<entry_id>/phrasings/<position>")
@require_scope("kb:write")
@api_doc("Remove the phrasing at this position (1 is the first of GET .../phrasings; a new revision)",
         tags=["kb"], parameters=[ENTRY_ID, {"name": "position", "in": "path", "required": True,
                                             "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}],
         responses={200: _json(PHRASINGS_SCHEMA), **ERRORS, 404: "No such entry or position"})
def remove_phrasing(entry_id: str, position: str):
    entry = _entry(entry_id)
    items = list(entry.phrasings or [])
    index = _number(position) if len(position) < 12 else None
    if index is None or index > len(items):
        raise ApiError(404, "not_found", "The entry has no phrasing at this position.")
    del items[index - 1]
    _save(entry, {**entry.snapshot(), "phrasings": items}, "phrasing removed")
    db.session.commit()
    return jsonify({"phrasings": list(entry.phrasings or []), "revision": _revision(entry)})


# --- bulk: what `sep kb import/export` does ---------------------------------------------------------


@kb_api.get("/export")
@require_scope("kb:read")
@api_doc("Every entry as the rows of `sep kb export` (id plus the editable fields)", tags=["kb"],
         responses={200: _json({"type": "object", "properties": {"entries": {"type": "array", "items": {
             "type": "object"}}}}, {"entries": [{k: v for k, v in ENTRY_EXAMPLE.items()
                                                 if k not in ("revision", "updated_at")}]}), **ERRORS})
def export():
    editor()
    return jsonify({"entries": list(kb.export_rows())})


IMPORT_REPORT = {"type": "object", "required": ["created", "updated", "committed", "rejected"], "properties": {
    "created": {"type": "integer"}, "updated": {"type": "integer"}, "committed": {"type": "boolean"},
    "rejected": {"type": "array", "items": {"type": "object", "properties": {
        "row": {"type": "integer"}, "error": {"type": "string"}}}}}}


@kb_api.post("/import")
@require_scope("kb:write")
@api_doc("Import rows as `sep kb import` does, in one transaction: rows with a known external_id update that "
         "entry (a revision), others are created; any invalid row rejects the whole import unless "
         "skip_invalid. The body is limited to 64 KB: send large bases in batches", tags=["kb"],
         request_body={"type": "object", "required": ["entries"], "properties": {
             "entries": {"type": "array", "items": {"type": "object"}, "maxItems": 2000},
             "skip_invalid": {"type": "boolean", "default": False}},
             "example": {"entries": [{"external_id": "faq-17", "question": "Как получить выписку?",
                                      "answer_md": "Откройте личный кабинет."}]}},
         responses={200: _json(IMPORT_REPORT, {"created": 1, "updated": 0, "committed": True, "rejected": []}),
                    **ERRORS, 422: _json(IMPORT_REPORT, {"created": 0, "updated": 0, "committed": False, "rejected": [
                        {"row": 1, "error": "the answer (text) is empty"}]},
                        "Invalid rows and no skip_invalid: nothing imported (the report lists them)")})
def import_entries():
    editor()
    data = _body()
    rows, skip = data.get("entries"), data.get("skip_invalid", False)
    if not isinstance(rows, list) or len(rows) > 2000 or not isinstance(skip, bool):
        raise ApiError(400, "invalid_fields", "'entries' must be a list of at most 2000 rows.",
                       {"fields": {"entries": ["a list"]}})
    report = kb.import_rows(enumerate(rows, 1), current_user.id, skip_invalid=skip)
    body = {"created": report.created, "updated": report.updated, "committed": report.committed,
            "rejected": [{"row": no, "error": error} for no, error in report.rejected]}
    if report.committed:
        audit(current_user, "kb_imported", "kb", "", reason=f"created {report.created}, updated {report.updated}")
        db.session.commit()
    return jsonify(body), (200 if report.committed else 422)
