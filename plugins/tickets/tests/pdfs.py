"""PDF files built byte by byte for the upload tests: a classic cross-reference table, or a
cross-reference stream with objects packed into a compressed object stream (PDF 1.5), so that
hostile documents look exactly like real ones to a parser."""

from __future__ import annotations

import zlib

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"


def build_pdf(objects: dict[int, bytes], comment: bytes = b"") -> bytes:
    """Objects numbered from 1 (1 is the catalog) with an xref table and a trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    if comment:
        out += b"% " + comment + b"\n"
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[number]) if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def simple_pdf(text: str = "scan") -> bytes:
    return build_pdf({1: CATALOG, 2: PAGES, 3: PAGE}, comment=text.encode())


def build_pdf_with_object_stream(plain: dict[int, bytes], packed: dict[int, bytes]) -> bytes:
    """``plain`` objects written normally, ``packed`` ones inside a FlateDecode object stream; the
    cross-reference is itself a compressed stream (no xref table, no trailer keyword)."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(plain):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, plain[number])
    stm_number = max([*plain, *packed]) + 1
    header, body = [], b""
    for number in sorted(packed):
        header.append(b"%d %d" % (number, len(body)))
        body += packed[number] + b"\n"
    head = b" ".join(header) + b"\n"
    data = zlib.compress(head + body)
    offsets[stm_number] = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (stm_number, len(packed), len(head), len(data))) + data + b"\nendstream\nendobj\n"
    xref_number = stm_number + 1
    offsets[xref_number] = len(out)
    rows = b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")
    index = {n: i for i, n in enumerate(sorted(packed))}
    for number in range(1, xref_number + 1):
        if number in offsets:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + (0).to_bytes(2, "big")
        elif number in packed:
            rows += b"\x02" + stm_number.to_bytes(4, "big") + index[number].to_bytes(2, "big")
        else:
            rows += b"\x00" + (0).to_bytes(4, "big") + (0).to_bytes(2, "big")
    xref_data = zlib.compress(rows)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % (xref_number, xref_number + 1, len(xref_data))) + xref_data + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)
