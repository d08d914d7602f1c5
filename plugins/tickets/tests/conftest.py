"""Helpers for the tickets tests: users, sign-in through the session, small valid documents."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime

import pytest

from sep_core import User, db
from sep_core.accounts import hash_password
from sep_core.testing import sign_in

from .pdfs import simple_pdf

CONFIRMED = datetime(2026, 1, 1)


def make_user(email: str, role: str = "citizen", profiles: list[str] | None = None, phone: str | None = None,
              confirmed: bool = True, **names) -> User:
    user = User(email=email, phone=phone, role=role, profiles=profiles or [], password_hash=hash_password("x" * 12),
                surname=names.get("surname", "Иванов"), first_name=names.get("first_name", "Иван"),
                patronymic=names.get("patronymic", ""), locale=names.get("locale", "ru"),
                email_confirmed_at=CONFIRMED if confirmed else None,
                phone_confirmed_at=CONFIRMED if (confirmed and phone) else None)
    db.session.add(user)
    db.session.commit()
    return user


login = sign_in


def logout(client) -> None:
    with client.session_transaction() as s:
        s.clear()


def pdf_bytes(text: str = "scan") -> bytes:
    """A valid one-page PDF (uploads are parsed); ``text`` goes into a comment, and makes it larger."""
    return simple_pdf(text)


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def upload(data: bytes, name: str):
    return (io.BytesIO(data), name)


def form_data(**overrides) -> dict:
    data = {"surname": "Иванов", "first_name": "Иван", "patronymic": "", "email": "ivan@example.org",
            "phone": "", "category": "extract", "subject": "Нужна выписка", "description":
            "Не могу скачать выписку из ЭПТС в личном кабинете."}
    data.update(overrides)
    return data


def csrf(client, path: str = "/requests/new") -> str:
    from sep_core.testing import csrf_token

    return csrf_token(client)


def file_new_request(client, files=(), pending=None, **fields):
    token = csrf(client)
    data = form_data(**fields)
    data["csrf_token"] = token
    if files:
        data["attachments"] = list(files)
    if pending:
        data["pending"] = pending
    return client.post("/requests/new", data=data, content_type="multipart/form-data")


def desk_post(client, number: str, action: str, **fields):
    data = {"csrf_token": csrf(client), **fields}
    return client.post(f"/desk/requests/{number}/{action}", data=data, content_type="multipart/form-data")


@pytest.fixture
def citizen(app):
    return make_user("ivan@example.org", phone="+79161234567")


@pytest.fixture
def duty(app):
    return make_user("duty@example.org", role="duty", surname="Дежурная", first_name="Ольга")


@pytest.fixture
def specialist(app):
    return make_user("spec@example.org", role="specialist", profiles=["tech_support"], surname="Петров",
                     first_name="Пётр")


@pytest.fixture
def h():
    """These helpers (conftest modules cannot be imported under --import-mode=importlib)."""
    import sys

    return sys.modules[__name__]
