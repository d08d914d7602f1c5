"""Message catalogs for the core and each plugin: extraction, update and completeness checks
(``sep i18n update`` / ``sep i18n check``; a test runs the check for every built-in catalog)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

METHOD_MAP = [
    ("**/tests/**", "ignore"),
    ("**/migrations/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}


def extract(source_dir: Path) -> Catalog:
    """Every translatable message of a package folder."""
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(source_dir), METHOD_MAP, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(source_dir: Path, domain: str, locale: str) -> Path:
    return source_dir / "translations" / locale / "LC_MESSAGES" / f"{domain}.po"


def update(source_dir: Path, domain: str, locale: str) -> Path:
    """Create or update a ``.po`` file, keeping existing translations and dropping stale ones."""
    template = extract(source_dir)
    path = po_path(source_dir, domain, locale)
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=domain)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
    else:
        catalog = Catalog(locale=locale, domain=domain)
        catalog.update(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True, include_lineno=False, width=100)
    return path


def missing(source_dir: Path, domain: str, locale: str) -> list[str]:
    """Message ids used in the code but untranslated (or fuzzy) in the locale's catalog."""
    path = po_path(source_dir, domain, locale)
    translated: set = set()
    if path.exists():
        with path.open("rb") as fh:
            for message in read_po(fh, locale=locale, domain=domain):
                if message.id and not message.fuzzy and (all(message.string) if isinstance(
                        message.string, tuple) else message.string):
                    translated.add(message.id)
    return sorted(str(m.id) for m in extract(source_dir) if m.id and m.id not in translated)
