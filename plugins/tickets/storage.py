"""Attachments: checked by content (magic bytes and structure), scanned, stored under random
names outside the static folder, with their SHA-256.

Checking happens for every file of a submission before anything is written, so a rejected
submission leaves nothing behind; files written for a submission whose transaction then fails
are removed by :func:`discard`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from sep_core import current_state, plugin_settings
from sep_core import gettext as _

from .models import Attachment
from .pdfcheck import pdf_problem

KINDS = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "tiff": "image/tiff"}
EXTENSIONS = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png", "tiff": ".tif"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"
#: Signatures of other formats that must not hide inside an allowed one (polyglots).
FOREIGN = (
    (re.compile(rb"PK\x03\x04[\x0a-\x3f]\x00"), "zip"),
    (re.compile(rb"PK\x05\x06"), "zip"),
    (re.compile(rb"This program cannot be run in DOS mode"), "exe"),
    (re.compile(rb"\x7fELF[\x01\x02][\x01\x02]\x01"), "elf"),
    (re.compile(rb"<\s*(script|html|svg|iframe|object|embed)\b", re.I), "html"),
    (re.compile(rb"<\?php", re.I), "php"),
    (re.compile(rb"Rar!\x1a\x07"), "rar"),
    (re.compile(rb"7z\xbc\xaf\x27\x1c"), "7z"),
)


class UploadError(ValueError):
    """A file that is not accepted; the message is for the citizen (already translated)."""


@dataclass
class CheckedFile:
    filename: str
    data: bytes
    kind: str

    @property
    def content_type(self) -> str:
        return KINDS[self.kind]


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    return None


def _structure_problem(kind: str, data: bytes) -> str | None:
    """Why the content is not a plain file of its kind (trailing data, active content), or None."""
    tail = data.rstrip(b"\x00\r\n\t ")
    if kind == "jpeg" and not tail.endswith(b"\xff\xd9"):
        return "jpeg-trailer"
    if kind == "png" and not tail.endswith(PNG_END):
        return "png-trailer"
    if kind == "pdf":
        if not tail.endswith(b"%%EOF"):
            return "pdf-trailer"
        problem = pdf_problem(data)
        if problem:
            return problem
    for pattern, name in FOREIGN:
        if pattern.search(data):
            return name
    return None


def clean_filename(raw: str | None) -> str:
    """The name to show and offer on download; path-like or control-character names are refused."""
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        raise UploadError(_("The file has no name."))
    if ("/" in name or "\\" in name or name in (".", "..") or name.startswith(".")
            or any(unicodedata.category(c).startswith("C") for c in name)):
        raise UploadError(_("The file name “%(name)s” is not allowed: use a plain name without folders.",
                            name=_printable(name)))
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 140] + dot + ext[:8]) if dot else name[:150]
    return name


def _printable(name: str) -> str:
    return "".join(c for c in name if not unicodedata.category(c).startswith("C"))[:80]


def check_file(filename: str | None, data: bytes) -> CheckedFile:
    settings = plugin_settings("tickets")
    name = clean_filename(filename)
    if not data:
        raise UploadError(_("The file “%(name)s” is empty.", name=name))
    limit = int(settings["max_file_bytes"])
    if len(data) > limit:
        raise UploadError(_("The file “%(name)s” is larger than %(mb)s MB.", name=name, mb=_mb(limit)))
    kind = sniff(data)
    if kind is None:
        raise UploadError(_("The file “%(name)s” is not a PDF, JPEG, PNG or TIFF document (checked by its "
                            "content, not its name).", name=name))
    if _structure_problem(kind, data):
        raise UploadError(_("The file “%(name)s” contains something besides a plain document (active content "
                            "or a hidden file) and cannot be accepted. Save or scan it again.", name=name))
    return CheckedFile(filename=name, data=data, kind=kind)


def check_set(files: list[CheckedFile], already_count: int = 0, already_bytes: int = 0) -> None:
    settings = plugin_settings("tickets")
    if already_count + len(files) > int(settings["max_files"]):
        raise UploadError(_("Too many files: at most %(n)s per request.", n=settings["max_files"]))
    total = already_bytes + sum(len(f.data) for f in files)
    if total > int(settings["max_total_bytes"]):
        raise UploadError(_("The files are too large together: at most %(mb)s MB per request.",
                            mb=_mb(int(settings["max_total_bytes"]))))


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def read_uploads(storages) -> tuple[list[CheckedFile], list[str]]:
    """Check werkzeug FileStorage objects; returns (accepted, error messages). Empty file
    inputs (no file chosen) are skipped."""
    accepted, errors = [], []
    limit = int(plugin_settings("tickets")["max_file_bytes"])
    for storage in storages or []:
        if storage is None or (not storage.filename and not storage.content_length):
            continue
        data = storage.stream.read(limit + 1)
        try:
            accepted.append(check_file(storage.filename, data))
        except UploadError as exc:
            errors.append(str(exc))
    return accepted, errors


def storage_root() -> Path:
    configured = plugin_settings("tickets")["storage_dir"]
    root = Path(configured) if configured else Path(current_app.instance_path) / "tickets_files"
    return root


def path_of(storage_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{40}", storage_name):
        raise ValueError("bad storage name")
    return storage_root() / storage_name[:2] / storage_name


def scan(path: Path, filename: str) -> bool:
    """Ask the antivirus plugins (``sep_scan_file``); accepted unless one says no."""
    verdicts = current_state().pm.hook.sep_scan_file(path=str(path), filename=filename)
    return not any(v is False or (isinstance(v, str) and v) for v in verdicts)


def store(files: list[CheckedFile], owner_id: int | None) -> list[Attachment]:
    """Write the files (temp file, scan, rename) and return unsaved Attachment rows.

    If any file is refused by the scanner, every file written here is removed and UploadError
    is raised."""
    rows: list[Attachment] = []
    try:
        for item in files:
            name = secrets.token_hex(20)
            final = path_of(name)
            temp = final.with_name(name + ".part")
            with _create(temp) as handle:
                handle.write(item.data)
                handle.flush()
                os.fsync(handle.fileno())
            if not scan(temp, item.filename):
                temp.unlink(missing_ok=True)
                raise UploadError(_("The file “%(name)s” did not pass the antivirus check.", name=item.filename))
            os.replace(temp, final)
            rows.append(Attachment(storage_name=name, filename=item.filename, content_type=item.content_type,
                                   size=len(item.data), sha256=hashlib.sha256(item.data).hexdigest(),
                                   owner_id=owner_id))
    except BaseException:
        discard(rows)
        raise
    return rows


def _create(path: Path):
    """A new file for writing; its folder is made only when it is missing (one of 256, so after the
    first few uploads never: no ``mkdir`` call per file)."""
    try:
        return open(path, "xb")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "xb")


def discard(rows: list[Attachment]) -> None:
    """Remove the files of rows that will not be saved (or were deleted)."""
    for row in rows:
        with contextlib.suppress(OSError, ValueError):
            path_of(row.storage_name).unlink(missing_ok=True)
