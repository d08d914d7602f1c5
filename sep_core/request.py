"""The app's request class: what every request would otherwise rebuild, built once per process."""

from __future__ import annotations

import threading
from typing import Any

from flask import Request

_WTFORMS_TRANSLATIONS: dict[str, Any] = {}
_LOCK = threading.Lock()


def wtforms_translations(locale: str):
    """WTForms' own messages ("This field is required.") in ``locale``, read from its catalog once
    per process (Flask-WTF reads and parses the ``.mo`` file again on every request with a form)."""
    cached = _WTFORMS_TRANSLATIONS.get(locale)
    if cached is None:
        from babel import support
        from wtforms.i18n import messages_path

        with _LOCK:
            cached = _WTFORMS_TRANSLATIONS.get(locale)
            if cached is None:
                cached = support.Translations.load(messages_path(), [locale], domain="wtforms")
                _WTFORMS_TRANSLATIONS[locale] = cached
    return cached


class SepRequest(Request):
    """Flask-WTF looks for ``request.wtforms_translations`` before loading the catalog itself."""

    @property
    def wtforms_translations(self):
        from flask_babel import get_locale

        return wtforms_translations(str(get_locale() or "ru"))

    @wtforms_translations.setter
    def wtforms_translations(self, value) -> None:
        """Flask-WTF stores what it loaded; the per-process copy is kept instead."""
