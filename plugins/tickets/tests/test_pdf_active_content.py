"""Issue 13 item 2: active content in a PDF is found by parsing it, not by a regex over its bytes.
Every hostile document here is built byte by byte (tests/pdfs.py) so that it is a valid PDF a
viewer would open — and run."""

from __future__ import annotations

import zlib

import pytest

from .pdfs import CATALOG, PAGE, PAGES, build_pdf, build_pdf_with_object_stream, simple_pdf

JS_ACTION = b"<< /S /JavaScript /JS (app.alert(1)) >>"


def catalog(extra: bytes) -> bytes:
    return b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>"


HOSTILE = {
    "escaped JavaScript name": build_pdf({1: catalog(b"/OpenAction 4 0 R"), 2: PAGES, 3: PAGE,
                                          4: b"<< /S /Java#53cript /J#53 (app.alert(1)) >>"}),
    "escaped Launch name": build_pdf({1: catalog(b"/OpenAction 4 0 R"), 2: PAGES, 3: PAGE,
                                      4: b"<< /S /#4Caunch /F (calc.exe) >>"}),
    "JavaScript in a compressed object stream": build_pdf_with_object_stream(
        {1: catalog(b"/Names 5 0 R"), 2: PAGES},
        {3: PAGE, 4: JS_ACTION, 5: b"<< /JavaScript << /Names [(a) 4 0 R] >> >>"}),
    "JavaScript name tree": build_pdf({1: catalog(b"/Names << /JavaScript << /Names [(x) 4 0 R] >> >>"),
                                       2: PAGES, 3: PAGE, 4: JS_ACTION}),
    "embedded file": build_pdf({1: catalog(b"/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>"),
                                2: PAGES, 3: PAGE,
                                4: b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
                                5: b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream"}),
    "open action that is a URI action": build_pdf({1: catalog(b"/OpenAction << /S /URI /URI (http://x.example) >>"),
                                                   2: PAGES, 3: PAGE}),
    "page additional action": build_pdf({1: CATALOG, 2: PAGES,
                                         3: b"<< /Type /Page /Parent 2 0 R /AA << /O 4 0 R >> >>", 4: JS_ACTION}),
    "XFA form": build_pdf({1: catalog(b"/AcroForm << /Fields [] /XFA 4 0 R >>"), 2: PAGES, 3: PAGE,
                           4: b"<< /Length 7 >>\nstream\n<xdp/>\nendstream"}),
    "JavaScript name inside a compressed stream's dictionary": build_pdf(
        {1: CATALOG, 2: PAGES, 3: b"<< /Type /Page /Parent 2 0 R /Annots [4 0 R] >>",
         4: b"<< /Type /Annot /Subtype /Link /A << /S /Java#53cript /J#53 5 0 R >> >>",
         5: b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(zlib.compress(b"app.alert(1)"))
            + zlib.compress(b"app.alert(1)") + b"\nendstream"}),
    "not parseable": b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF\n",
    "truncated": simple_pdf()[:-60] + b"\n%%EOF\n",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_pdfs_are_refused(app, case):
    from sep_plugins.tickets.storage import UploadError, check_file

    with app.test_request_context(), pytest.raises(UploadError):
        check_file("document.pdf", HOSTILE[case])


GOOD = {
    "plain": simple_pdf(),
    "a destination as open action": build_pdf({1: catalog(b"/OpenAction [3 0 R /Fit]"), 2: PAGES, 3: PAGE}),
    "link to a web page": build_pdf({
        1: CATALOG, 2: PAGES, 3: b"<< /Type /Page /Parent 2 0 R /Annots [4 0 R] >>",
        4: b"<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://x.example) >> >>"}),
    "objects in an object stream": build_pdf_with_object_stream({1: CATALOG, 2: PAGES}, {3: PAGE}),
}


@pytest.mark.parametrize("case", sorted(GOOD))
def test_plain_pdfs_are_accepted(app, case):
    from sep_plugins.tickets.storage import check_file

    with app.test_request_context():
        assert check_file("document.pdf", GOOD[case]).kind == "pdf"


def test_a_pdf_made_by_fpdf2_is_accepted(app):
    from fpdf import FPDF
    from sep_plugins.tickets.storage import check_file

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Passport scan")
    with app.test_request_context():
        assert check_file("scan.pdf", bytes(pdf.output())).kind == "pdf"
