"""Uploads: checked by content; every kind of bad file is refused with a clear message and
nothing half-saved remains (files on disk, rows in the database)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

import pytest

from sep_core import db, hookimpl

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def stored_files(app) -> list[Path]:
    root = Path(app.instance_path) / "tickets_files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_saved(app):
    from sep_plugins.tickets.models import Attachment, Message, Ticket

    assert stored_files(app) == []
    assert (Ticket.query.count(), Attachment.query.count(), Message.query.count()) == (0, 0, 0)


EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode.\r\n" + b"\x00" * 200
BAD_FILES = {
    "renamed executable": (EXE, "выписка.pdf", "не является документом PDF"),
    "polyglot jpeg+zip": (b"\xff\xd8\xff\xe0" + b"\x00" * 40 + b"\xff\xd9" + b"PK\x03\x04\x14\x00" + b"\x00" * 40,
                          "фото.jpg", "содержит"),
    "polyglot pdf+html": (b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF", "doc.pdf", "содержит"),
    "pdf with javascript": (b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF",
                            "doc.pdf", "содержит"),
    "path traversal name": (b"%PDF-1.4\n%%EOF", "../../etc/passwd.pdf", "не допускается"),
    "empty file": (b"", "пусто.pdf", "пуст"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_and_nothing_is_saved(app, client, citizen, h, case):
    data, name, message = BAD_FILES[case]
    h.login(client, citizen)
    response = h.file_new_request(client, files=[h.upload(data, name)])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page, page[page.find("error-summary"):][:800]
    nothing_saved(app)


@pytest.mark.sep_plugin_config("tickets", {"max_file_bytes": 1024 * 1024})
def test_an_oversized_file_is_refused(app, client, citizen, h):
    h.login(client, citizen)
    response = h.file_new_request(client, files=[h.upload(h.pdf_bytes("x" * 1_200_000), "большой.pdf")])
    assert response.status_code == 400
    assert "Файл «большой.pdf» больше 1 МБ" in response.get_data(as_text=True)
    nothing_saved(app)


@pytest.mark.sep_plugin_config("tickets", {"max_files": 3})
def test_too_many_files_are_refused(app, client, citizen, h):
    h.login(client, citizen)
    response = h.file_new_request(client, files=[h.upload(h.pdf_bytes(str(i)), f"{i}.pdf") for i in range(4)])
    assert response.status_code == 400 and "Слишком много файлов" in response.get_data(as_text=True)
    nothing_saved(app)


def test_accepted_files_survive_a_form_error_and_are_attached_on_resend(app, client, citizen, h):
    from sep_plugins.tickets.models import Attachment, Ticket

    h.login(client, citizen)
    response = h.file_new_request(client, files=[h.upload(h.png_bytes(), "стс.png")], subject="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "стс.png" in page and Ticket.query.count() == 0
    pending = Attachment.query.one()
    assert pending.ticket_id is None
    response = h.file_new_request(client, pending=pending.pending_token)
    assert response.status_code == 302
    db.session.expire_all()
    row = Attachment.query.one()
    assert row.ticket_id == Ticket.query.one().id and row.pending_token is None


def test_stored_outside_static_with_random_name_and_sha256_and_cyrillic_download(app, client, citizen, h):
    from sep_plugins.tickets.models import Attachment

    h.login(client, citizen)
    data = h.pdf_bytes("Паспорт")
    h.file_new_request(client, files=[h.upload(data, "Паспорт Иванова.pdf")])
    row = Attachment.query.one()
    (path,) = stored_files(app)
    assert path.name == row.storage_name and "Паспорт" not in str(path)
    assert Path(app.instance_path) in path.parents and "static" not in path.parts
    assert row.sha256 == hashlib.sha256(data).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
    response = client.get(f"/requests/attachments/{row.id}")
    assert response.status_code == 200 and response.data == data
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("Паспорт Иванова.pdf") in disposition
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hook_sep_scan_file(app, client, citizen, h, register_plugin):
    seen = []

    class Antivirus:
        @hookimpl
        def sep_scan_file(self, path, filename):
            seen.append((Path(path).read_bytes()[:5], filename))
            return "EICAR-Test-Signature" if "virus" in filename else None

    register_plugin(Antivirus())
    h.login(client, citizen)
    response = h.file_new_request(client, files=[h.upload(h.pdf_bytes(), "virus.pdf")])
    assert response.status_code == 400 and "антивирус" in response.get_data(as_text=True)
    nothing_saved(app)
    assert h.file_new_request(client, files=[h.upload(h.pdf_bytes(), "clean.pdf")]).status_code == 302
    assert seen == [(b"%PDF-", "virus.pdf"), (b"%PDF-", "clean.pdf")]


def test_a_pending_upload_belongs_to_its_uploader_only(app, client, citizen, h):
    from sep_plugins.tickets.models import Attachment, Ticket

    h.login(client, citizen)
    h.file_new_request(client, files=[h.upload(h.png_bytes(), "чужой.png")], subject="")
    pending = Attachment.query.one()
    assert client.get(f"/requests/attachments/{pending.id}").status_code == 200
    other = h.make_user("other@example.org")
    h.login(client, other)
    assert client.get(f"/requests/attachments/{pending.id}").status_code == 404
    assert h.file_new_request(client, pending=pending.pending_token).status_code == 302
    db.session.expire_all()
    assert Attachment.query.one().ticket_id is None  # not taken over by another citizen
    assert Ticket.query.count() == 1
