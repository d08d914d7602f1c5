"""The extract (выписка) as a PDF, made on the server with fpdf2 and a Cyrillic TrueType font
embedded (subset) in the document.

Font: the setting ``pdf_font`` (a .ttf path) when given; otherwise PT Sans from the PyPI package
``fontpkg-pt-sans`` (a runtime dependency, so ``make run`` on a fresh machine has it); otherwise
DejaVu Sans from Debian's fonts-dejavu-core. Without any of them the extract is refused with a
clear message (FontMissing), never a broken document.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app

from sep_core import plugin_settings, to_moscow

from .messages import N_

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


class FontMissing(RuntimeError):
    """No TrueType font with Cyrillic letters was found for the extract."""


def font_files() -> tuple[Path, Path]:
    """(regular, bold) font files."""
    configured = str(plugin_settings("epts_registry").get("pdf_font") or "")
    if configured:
        path = Path(configured)
        if path.is_file():
            return path, path
        raise FontMissing(f"pdf_font {configured!r} is not a file")
    try:
        import fontpkg_pt_sans

        folder = Path(fontpkg_pt_sans.ROOT) / "files"
        regular, bold = folder / "PT_Sans-Web-Regular.ttf", folder / "PT_Sans-Web-Bold.ttf"
        if regular.is_file():
            return regular, bold if bold.is_file() else regular
    except ImportError:
        pass
    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.is_file():
        return regular, bold if bold.is_file() else regular
    raise FontMissing("no Cyrillic TrueType font: install fontpkg-pt-sans or fonts-dejavu-core, or set pdf_font")


def ru(msgid: str) -> str:
    """The Russian text of a message id (the extract is a Russian document)."""
    catalog = current_app.extensions["sep"].translations.get("ru")
    return catalog.gettext(msgid) if catalog is not None else msgid


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def render(*, title: str, registry_name: str, issued_at: datetime, code: str, verify_url: str,
           public_rows: list[tuple[str, Any]], service_rows: list[tuple[str, Any]],
           history_rows: list[list[str]], history_head: list[str], notes: list[str]) -> bytes:
    from fpdf import FPDF

    regular, bold = font_files()
    if issued_at.tzinfo is None:  # database timestamps are naive UTC
        issued_at = issued_at.replace(tzinfo=UTC)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_creator("SEP Help Desk")
    pdf.set_title(title)
    pdf.set_creation_date(to_moscow(issued_at))
    pdf.add_font("Body", "", str(regular))
    pdf.add_font("Body", "B", str(bold))
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font("Body", "", 9)
    pdf.multi_cell(width, 5, registry_name, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Body", "B", 15)
    pdf.multi_cell(width, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Body", "", 10)
    moment = to_moscow(issued_at).strftime("%d.%m.%Y %H:%M")
    issued, moscow = ru(N_("Issued")), ru(N_("Moscow time"))
    verification, check_at = ru(N_("Verification code")), ru(N_("Check the extract at"))
    pdf.multi_cell(width, 5, f"{issued}: {moment} ({moscow})", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 5, f"{verification}: {code}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 5, f"{check_at}: {verify_url}", new_x="LMARGIN", new_y="NEXT")

    def table(heading: str, rows: list[tuple[str, Any]]) -> None:
        pdf.ln(4)
        pdf.set_font("Body", "B", 12)
        pdf.multi_cell(width, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Body", "", 10)
        with pdf.table(col_widths=(40, 60), text_align="LEFT", first_row_as_headings=False,
                       line_height=6) as grid:
            for label, value in rows:
                row = grid.row()
                row.cell(label)
                row.cell(_text(value))

    table(ru(N_("Vehicle (open data)")), public_rows)
    table(ru(N_("Owner (service data)")), service_rows)
    if history_rows:
        pdf.ln(4)
        pdf.set_font("Body", "B", 12)
        pdf.multi_cell(width, 7, ru(N_("Ownership history")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Body", "", 9)
        with pdf.table(col_widths=(6, 34, 20, 20, 20), text_align="LEFT", line_height=5) as grid:
            header = grid.row()
            for cell in history_head:
                header.cell(cell)
            for item in history_rows:
                row = grid.row()
                for cell in item:
                    row.cell(_text(cell))
    pdf.ln(6)
    pdf.set_font("Body", "", 8)
    for note in notes:
        pdf.multi_cell(width, 4, note, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
