"""ЭПТС numbers and VINs: normalisation and validation.

- ЭПТС number: exactly 15 digits (spaces and hyphens people type are dropped).
- VIN (ISO 3779): 17 characters of A–Z and 0–9 without I, O and Q. Cyrillic letters that look like
  Latin ones (typed on a Russian keyboard layout) are read as the Latin letter.
- Check digit: ISO 3779 does not require one; North America (49 CFR 565) and China put a check
  digit in position 9 (weights 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2, sum mod 11, 10 is "X").
  The setting ``vin_check_digit`` decides what this registry demands:
  ``"required"`` (default: every VIN in the local table carries a valid check digit, so a wrong
  one is a typo and is refused), ``"north_america"`` (checked only for VINs whose first character
  is 1–5 or L, the regions where it is mandatory; other VINs pass on their format), ``"off"``.
"""

from __future__ import annotations

import re

from .messages import N_

MAX_INPUT = 64
NUMBER_RE = re.compile(r"^[0-9]{15}$")
VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_SEPARATORS = re.compile(r"[\s\-‐-―]+")
CYRILLIC_LOOKALIKES = str.maketrans("АВЕКМНОРСТХУ", "ABEKMHOPCTXY")

_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
CHECK_DIGIT_MODES = ("required", "north_america", "off")


class InvalidQuery(ValueError):
    """The input is not a valid ЭПТС number or VIN; ``code`` for the API, ``message`` (an English
    msgid) for people."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code
        self.message = message


def _squeeze(value: object) -> str:
    text = str(value or "")
    if len(text) > MAX_INPUT:
        raise InvalidQuery("too_long", N_("The value is too long: an ЭПТС number has 15 digits, a VIN 17 characters."))
    return _SEPARATORS.sub("", text.strip())


def normalise_number(value: object) -> str:
    number = _squeeze(value)
    if not number:
        raise InvalidQuery("missing", N_("Enter an ЭПТС number or a VIN."))
    if not NUMBER_RE.match(number):
        raise InvalidQuery("invalid_number", N_("An ЭПТС number consists of exactly 15 digits."))
    return number


def check_digit(vin: str) -> str:
    """The check digit (position 9) that the other 16 characters of ``vin`` call for."""
    total = sum(_TRANSLITERATION[ch] * w for ch, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def check_digit_applies(vin: str, mode: str) -> bool:
    if mode == "required":
        return True
    if mode == "north_america":
        return vin[0] in "12345L"
    return False


def normalise_vin(value: object, mode: str = "required") -> str:
    vin = _squeeze(value).upper().translate(CYRILLIC_LOOKALIKES)
    if not vin:
        raise InvalidQuery("missing", N_("Enter an ЭПТС number or a VIN."))
    if len(vin) != 17:
        raise InvalidQuery("invalid_vin", N_("A VIN consists of exactly 17 characters."))
    if not VIN_RE.match(vin):
        if any(ch in "IOQ" for ch in vin):
            raise InvalidQuery("invalid_vin", N_("A VIN never contains the letters I, O and Q."))
        raise InvalidQuery("invalid_vin", N_("A VIN consists of Latin letters and digits only."))
    if check_digit_applies(vin, mode) and vin[8] != check_digit(vin):
        raise InvalidQuery("vin_check_digit",
                           N_("The VIN check digit (the 9th character) does not match: check the VIN for a typo."))
    return vin


def parse_query(text: object = "", *, number: object = "", vin: object = "", mode: str = "required") -> dict[str, str]:
    """A lookup query from the form's one field (``text``: a number or a VIN) or the API's
    ``number`` / ``vin`` parameters; InvalidQuery when it is not usable."""
    if number and vin:
        raise InvalidQuery("ambiguous", N_("Give either an ЭПТС number or a VIN, not both."))
    if number:
        return {"number": normalise_number(number)}
    if vin:
        return {"vin": normalise_vin(vin, mode)}
    squeezed = _squeeze(text)
    if not squeezed:
        raise InvalidQuery("missing", N_("Enter an ЭПТС number or a VIN."))
    if squeezed.isascii() and squeezed.isdigit() and len(squeezed) != 17:
        return {"number": normalise_number(squeezed)}
    return {"vin": normalise_vin(squeezed, mode)}
