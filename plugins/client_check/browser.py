"""Which browser is this, and is it recent enough?

The User-Agent is parsed with the maintained ``ua-parser`` package (its 1.x API:
``ua_parser.parse(ua) -> Result(user_agent, os, device)``, cached). When a Chromium-based
browser sends User-Agent Client Hints (``Sec-CH-UA``, ``Sec-CH-UA-Full-Version-List``,
``Sec-CH-UA-Platform``, ``Sec-CH-UA-Platform-Version``, ``Sec-CH-UA-Mobile``) they win over the
reduced User-Agent string, which no longer carries minor versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import ua_parser

SUPPORTED = "supported"
OUTDATED = "outdated"
UNSUPPORTED = "unsupported"
UNKNOWN = "unknown"
BOT = "bot"

#: ua-parser family -> our family key.
UA_FAMILIES = {
    "Chrome": "chrome", "Chrome Mobile": "chrome", "Chromium": "chrome", "HeadlessChrome": "chrome",
    "Chrome Mobile WebView": "chrome",
    "Yandex Browser": "yandex",
    "Edge": "edge", "Edge Mobile": "edge",
    "Firefox": "firefox", "Firefox Mobile": "firefox", "Firefox ESR": "firefox",
    "Safari": "safari", "Mobile Safari": "safari", "Mobile Safari UI/WKWebView": "safari",
    "Opera": "opera", "Opera Mobile": "opera",
    "IE": "ie", "IE Mobile": "ie",
}

#: Client-hint brand -> (family key, priority). The plain "Chromium" brand is the weakest: every
#: Chromium-based browser sends it next to its own brand.
HINT_BRANDS = {
    "YaBrowser": ("yandex", 3), "Yandex": ("yandex", 3), "Microsoft Edge": ("edge", 3),
    "Opera": ("opera", 3), "Opera GX": ("opera", 3), "Google Chrome": ("chrome", 2), "Chromium": ("chrome", 1),
}

DISPLAY_NAMES = {
    "chrome": "Google Chrome / Chromium", "yandex": "Яндекс Браузер", "edge": "Microsoft Edge",
    "firefox": "Mozilla Firefox", "safari": "Safari", "opera": "Opera", "ie": "Internet Explorer",
}

#: Hint headers are short in practice; anything longer is ignored rather than parsed.
MAX_HINT_LENGTH = 512
_BRAND = re.compile(r'"((?:[^"\\]|\\.){1,64})"\s*;\s*v\s*=\s*"((?:[^"\\]|\\.){0,32})"')
_VERSION = re.compile(r"^\d{1,6}(?:\.\d{1,6}){0,3}$")


@dataclass
class Browser:
    """The verdict about one browser."""

    family: str | None
    """Our family key (``chrome``, ``yandex``, ``edge``, ``firefox``, ``safari``, ``opera``, ``ie``),
    the parser's family name for a browser we do not judge, or None when nothing was recognised."""
    version: str | None
    os: str | None
    verdict: str
    minimum: str | None = None
    source: str = "user_agent"
    """``user_agent`` or ``client_hints``."""

    @property
    def supported(self) -> bool | None:
        if self.verdict == SUPPORTED:
            return True
        if self.verdict in (OUTDATED, UNSUPPORTED):
            return False
        return None

    @property
    def display_name(self) -> str:
        return DISPLAY_NAMES.get(self.family or "", self.family or "")

    def to_json(self) -> dict[str, Any]:
        return {"family": self.family, "version": self.version, "os": self.os,
                "supported": self.supported, "minimum": self.minimum}


def version_tuple(value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    text = str(value).strip()
    if not _VERSION.match(text):
        return None
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _joined(*parts: str | None) -> str | None:
    present = [p for p in parts if p]
    return ".".join(present) if present else None


def parse_brands(header: str | None) -> list[tuple[str, str]]:
    """``"Chromium";v="131", "Google Chrome";v="131"`` -> [("Chromium", "131"), ...]."""
    if not header or len(header) > MAX_HINT_LENGTH:
        return []
    return [(m[1].replace('\\"', '"'), m[2]) for m in _BRAND.finditer(header)]


def _hint_string(value: str | None) -> str | None:
    if not value or len(value) > 64:
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value if re.fullmatch(r"[\w .\-()]{1,40}", value) else None


@dataclass
class Hints:
    family: str
    version: str
    os: str | None
    generic: bool
    """Only the plain "Chromium" brand was sent: the browser's own name is unknown."""


def from_client_hints(headers) -> Hints | None:
    """What the hint headers say, or None when they name no known brand."""
    full = dict(parse_brands(headers.get("Sec-CH-UA-Full-Version-List")))
    best = None
    for brand, major in parse_brands(headers.get("Sec-CH-UA")) or list(full.items()):
        if brand in HINT_BRANDS:
            family, priority = HINT_BRANDS[brand]
            version = full.get(brand) or major
            if version_tuple(version) is None:
                continue
            if best is None or priority > best[2]:
                best = (family, version, priority, brand)
    if best is None:
        return None
    platform = _hint_string(headers.get("Sec-CH-UA-Platform"))
    platform_version = _hint_string(headers.get("Sec-CH-UA-Platform-Version"))
    os_name = " ".join(p for p in (platform, platform_version) if p) or None
    return Hints(best[0], best[1], os_name, best[3] == "Chromium")


def judge(family: str | None, version: str | None, settings: dict[str, Any]) -> tuple[str, str | None]:
    """(verdict, minimum) for a family and version under the settings."""
    if family in settings["unsupported_families"]:
        return UNSUPPORTED, None
    minimums = settings["minimum_versions"]
    minimum = minimums.get(family or "")
    if not family or minimum in (None, ""):
        return UNKNOWN, None
    minimum = str(minimum)
    have, need = version_tuple(version), version_tuple(minimum)
    if have is None or need is None:
        return UNKNOWN, minimum
    if have >= need:
        return SUPPORTED, minimum
    if family == "firefox" and have[0] in {int(v) for v in settings["firefox_esr"]}:
        return SUPPORTED, minimum
    return OUTDATED, minimum


def detect(user_agent: str | None, headers, settings: dict[str, Any]) -> Browser:
    """The verdict for a request's User-Agent (already length-checked) and client hints."""
    result = ua_parser.parse(user_agent) if user_agent else None
    agent = result.user_agent if result else None
    os_info = result.os if result else None
    device = result.device if result else None
    if device is not None and device.family == "Spider":
        return Browser(agent.family if agent else None, None, None, BOT)
    os_name = " ".join(p for p in (os_info.family, _joined(os_info.major, os_info.minor)) if p) if os_info else None
    family = UA_FAMILIES.get(agent.family) if agent else None
    version = _joined(agent.major, agent.minor, agent.patch) if agent else None
    if agent and family is None and os_info is not None and os_info.family == "iOS" and agent.family != "Other":
        # Every iOS browser runs on the system's WebKit: what matters is the iOS (Safari) version.
        family, version = "safari", _joined(os_info.major, os_info.minor)
    source = "user_agent"
    hints = from_client_hints(headers)
    if hints is not None and not (hints.generic and family in ("yandex", "edge", "opera")):
        family, version, source = hints.family, hints.version, "client_hints"
        os_name = hints.os or os_name
    if family is None:
        raw = agent.family if agent and agent.family != "Other" else None
        return Browser(raw, version if raw else None, os_name, UNKNOWN)
    verdict, minimum = judge(family, version, settings)
    return Browser(family, version, os_name, verdict, minimum, source)
