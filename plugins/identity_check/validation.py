"""Checking what people type: names, phone numbers, e-mail addresses, passwords.

Every function raises ``ValueError`` with a translatable English message (a lazy string), so
forms and the API show it in the visitor's language.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from sep_core import lazy_gettext as _l

NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 32

#: Letters of any script, spaces, hyphens, apostrophes and dots (e.g. "Салтыков-Щедрин", "O'Neil").
_NAME = re.compile(r"^[^\W\d_]+(?:[ \-'’.][^\W\d_]*)*$")
_PHONE_CHARS = re.compile(r"^[0-9+\-\s().]+$")


def has_control_chars(value: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for c in value)


def clean_name(value: str | None, *, required: bool = True) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValueError(_l("This field is required."))
        return ""
    if len(value) > NAME_MAX:
        raise ValueError(_l("No more than %(n)s characters.", n=NAME_MAX))
    if has_control_chars(value) or not _NAME.match(unicodedata.normalize("NFC", value)):
        raise ValueError(_l("Use letters, spaces, hyphens and apostrophes only."))
    return unicodedata.normalize("NFC", value)


def clean_phone(value: str | None, region: str = "RU") -> str:
    """E.164 (+79161234567). Russian numbers may be written as 8..., +7..., with spaces,
    hyphens or brackets."""
    value = (value or "").strip()
    if not value:
        raise ValueError(_l("This field is required."))
    if len(value) > PHONE_MAX or not _PHONE_CHARS.match(value) or value.count("+") > 1:
        raise ValueError(_l("Enter a phone number in digits, for example +7 916 123-45-67."))
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(_l("Enter a phone number in digits, for example +7 916 123-45-67.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_l("This phone number does not exist. Check the code and the digits."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _mixed_scripts(label: str) -> bool:
    """A domain label mixing Latin letters with letters of another script (a look-alike trick)."""
    scripts = set()
    for c in label:
        if c.isalpha():
            name = unicodedata.name(c, "")
            scripts.add(name.split(" ")[0] if name else "?")
    return len(scripts) > 1


def clean_email(value: str | None) -> str:
    """Validated without DNS look-ups; the local part must be ASCII (no look-alike letters),
    a domain label may not mix scripts. Lower-cased."""
    value = (value or "").strip()
    if not value:
        raise ValueError(_l("This field is required."))
    if len(value) > EMAIL_MAX or has_control_chars(value):
        raise ValueError(_l("Enter a valid e-mail address, for example name@example.ru."))
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(_l("Enter a valid e-mail address, for example name@example.ru.")) from exc
    domain = result.domain
    if any(_mixed_scripts(label) for label in domain.split(".")):
        raise ValueError(_l("Enter a valid e-mail address, for example name@example.ru."))
    return result.normalized.lower()


#: Patterns every breached-password list is full of; a password containing one of them as its
#: main part is refused. Compared case-insensitively after removing digits and symbols at the ends.
COMMON_WORDS = (
    "password", "passw0rd", "qwerty", "qwertyuiop", "asdfgh", "zxcvbn", "letmein", "welcome", "admin",
    "iloveyou", "monkey", "dragon", "football", "baseball", "master", "sunshine", "princess", "abc",
    "йцукен", "пароль", "любовь", "привет", "qazwsx", "1q2w3e", "123qwe", "zaq1", "changeme",
)


def _runs(value: str) -> bool:
    """Only one character, or an ascending/descending run such as 123456789 or abcdefgh."""
    if len(set(value)) == 1:
        return True
    if value.isdigit():  # 1234567890 12 wraps around
        diffs = {(int(b) - int(a)) % 10 for a, b in pairwise(value)}
        return diffs in ({1}, {9})
    diffs = {ord(b) - ord(a) for a, b in pairwise(value)}
    return diffs in ({1}, {-1})


def check_password(password: str | None, *, min_length: int = 12, max_length: int = 256,
                   personal: tuple[str, ...] = ()) -> str:
    """The password rules (documented in docs/plugins/identity_check.md)."""
    password = password or ""
    if not password:
        raise ValueError(_l("This field is required."))
    if len(password) < min_length:
        raise ValueError(_l("The password must have at least %(n)s characters.", n=min_length))
    if len(password) > max_length:
        raise ValueError(_l("No more than %(n)s characters.", n=max_length))
    if has_control_chars(password):
        raise ValueError(_l("The password contains characters that cannot be typed."))
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    if _runs(lowered) or (lowered.isdigit() and len(set(lowered)) <= 3):
        raise ValueError(_l("This password is too easy to guess. Use several unrelated words."))
    remaining = lowered
    for word in sorted(COMMON_WORDS, key=len, reverse=True):
        remaining = remaining.replace(word, "")
    if core in COMMON_WORDS or (remaining != lowered and len(re.sub(r"[\W\d_]", "", remaining)) < 4):
        raise ValueError(_l("This password is too easy to guess. Use several unrelated words."))
    for item in personal:
        item = (item or "").lower().strip()
        if len(item) >= 4 and item in lowered:
            raise ValueError(_l("The password must not contain your name, e-mail or phone number."))
    return password
