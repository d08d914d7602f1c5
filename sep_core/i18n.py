"""Translations: one catalog (Babel domain) per plugin, merged per app.

Message ids are English; ``ru`` is the default locale. Catalogs are read from the ``.po`` files at
start-up (no compile step, so a catalog can never be stale), merged core first, then plugins in
configuration order, so ``_()`` works the same in the core, in plugins and in templates.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import current_app, g, request, session
from flask_babel import Domain, get_locale, gettext, lazy_gettext, ngettext  # noqa: F401

CORE_TRANSLATIONS = Path(__file__).parent / "translations"
CORE_DOMAIN = "sep_core"
LANGUAGE_COOKIE = "sep_lang"


def read_catalog(po: Path, locale: str, domain: str) -> Translations:
    """Compile one ``.po`` file in memory (fuzzy entries are left out, as pybabel does)."""
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale, domain=domain)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=domain)


def load_catalogs(dirs: list[tuple[str, str]], locales: list[str]) -> dict[str, Translations]:
    """One merged Translations per locale from ``(folder, domain)`` pairs; earlier pairs win."""
    merged: dict[str, Translations] = {}
    for locale in locales:
        combined = Translations(domain=CORE_DOMAIN)
        for folder, domain in reversed(dirs):
            po = Path(folder) / locale / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                part = read_catalog(po, locale, domain)
                combined.merge(part)
                combined.plural = part.plural
        merged[locale] = combined
    return merged


class MergedDomain(Domain):
    """A Flask-Babel domain answering from the app's merged catalogs."""

    def get_translations(self):  # type: ignore[override]
        state = current_app.extensions.get("sep")
        if state is None:
            return NullTranslations()
        locale = str(get_locale() or "ru")
        return state.translations.get(locale) or NullTranslations()


def select_locale() -> str:
    """Explicit choice first (?lang=, the language cookie, the account), then Russian."""
    languages = current_app.config["SEP_LANGUAGES"]
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE) or session.get("lang")
    if chosen in languages:
        return chosen
    user = getattr(g, "_login_user", None)
    if user is not None and getattr(user, "locale", None) in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]
