"""Active content in PDF attachments, found by parsing the document (pypdf), not by searching
its bytes: names are read with their ``#xx`` escapes resolved (``/Java#53cript`` is
``/JavaScript``), objects packed in compressed object streams are unpacked, and every object
reachable from the cross-reference (table or stream) is inspected.

Refused: JavaScript, Launch and other actions that run or fetch something, embedded files, rich
media, XFA forms, an ``/OpenAction`` or ``/AA`` that is an action, encryption that hides the
content, and anything the parser cannot read (a scan that a parser cannot read is not a
document a specialist can open safely either).
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

log = logging.getLogger("sep.tickets.pdf")

#: Names whose presence (as a key or a value) means active or hidden content.
FORBIDDEN_NAMES = frozenset({
    "/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA",
    "/ImportData", "/SubmitForm", "/GoToE", "/Rendition", "/Movie", "/Sound",
})
#: Keys whose value must not be an action (a dictionary with ``/S``).
ACTION_KEYS = ("/OpenAction", "/AA")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_RAW_FORBIDDEN = re.compile(rb"/(" + b"|".join(n[1:].encode() for n in sorted(FORBIDDEN_NAMES)) + rb")(?![A-Za-z0-9])")
#: Objects inspected at most: a document with more is not a scan (and would cost a worker).
MAX_OBJECTS = 200_000


def pdf_problem(data: bytes) -> str | None:
    """Why the PDF cannot be accepted ("pdf-active", "pdf-unreadable", ...), or None."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return "pdf-encrypted"
        if len(reader.pages) < 1:
            return "pdf-empty"
        return _inspect(reader)
    except Exception as exc:  # any parser failure: refused, never a 500
        log.info("PDF refused: the parser failed with %s", type(exc).__name__)
        return "pdf-unreadable"


def _roots(reader) -> list[Any]:
    roots: list[Any] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        roots += [_indirect(reader, n, generation) for n in numbers]
    roots += [_indirect(reader, n, 0) for n in reader.xref_objStm]
    return roots


def _indirect(reader, number: int, generation: int):
    from pypdf.generic import IndirectObject

    return IndirectObject(number, generation, reader)


def _inspect(reader) -> str | None:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

    stack, seen, count = _roots(reader), set(), 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        count += 1
        if count > MAX_OBJECTS:
            return "pdf-too-complex"
        if isinstance(item, NameObject) and str(item) in FORBIDDEN_NAMES:
            return "pdf-active"
        if isinstance(item, DictionaryObject):
            for name, value in item.items():
                if str(name) in FORBIDDEN_NAMES:
                    return "pdf-active"
                if str(name) in ACTION_KEYS and _is_action(value):
                    return "pdf-active"
                stack.append(value)
            if isinstance(item, StreamObject) and item.get("/Type") == "/ObjStm" and _packed_active(item):
                return "pdf-active"
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return None


def _is_action(value: Any) -> bool:
    from pypdf.generic import DictionaryObject

    value = value.get_object() if hasattr(value, "get_object") else value
    return isinstance(value, DictionaryObject) and ("/S" in value or any(
        isinstance(v.get_object(), DictionaryObject) for v in value.values()))


def _packed_active(stream) -> bool:
    """An object stream's decoded text, searched with name escapes resolved: a second look at
    objects a broken cross-reference did not list (the parser repairs tables, not streams)."""
    text = _ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), stream.get_data())
    return _RAW_FORBIDDEN.search(text) is not None
