"""Requirement definitions: from the deployer's config and from the admins' staff page.

A definition says what the citizen needs (name, why, instructions in Markdown, download link)
and how it is checked: ``probe`` (a script of this plugin runs in the browser), ``server`` (the
server judges the request) or ``confirm`` (the citizen says it is done).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import markdown
import nh3
from markupsafe import Markup

from sep_core import ConfigError, Requirement, db, plugin_settings
from sep_core import gettext as _

from .models import RequirementDefinition

CHECK_KINDS = ("probe", "server", "confirm")
PROBE_TYPES = ("global", "promise", "mime_type")
SERVER_CHECKS = ("https", "cookies", "desktop", "browser")
SCOPES = ("everyone", "on_request")
BROWSER_KEY = "browser"

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_IDENT = r"[A-Za-z_$][\w$]{0,63}"
GLOBAL_PATH = re.compile(rf"^{_IDENT}(?:\.{_IDENT}){{0,5}}$")
MIME_TYPE = re.compile(r"^[\w.+-]{1,60}/[\w.+-]{1,100}$")
FORBIDDEN_SEGMENTS = {"__proto__", "prototype", "constructor"}

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "code", "pre", "blockquote",
                "h3", "h4", "h5", "h6", "hr", "kbd"}


@dataclass
class Definition:
    key: str
    name: str
    check: str
    why: str = ""
    instructions: str = ""
    download_url: str = ""
    probe_type: str = ""
    probe_target: str = ""
    server_check: str = ""
    timeout_ms: int = 3000
    scope: str = "everyone"
    source: str = "config"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def instructions_html(self) -> Markup:
        parts = []
        if self.why:
            parts.append(Markup('<p class="requirement-why">{}</p>').format(self.why))
        if self.instructions:
            parts.append(render_markdown(self.instructions))
        if self.download_url:
            parts.append(Markup('<p><a href="{}" rel="noopener noreferrer" target="_blank">{}</a></p>')
                         .format(self.download_url, _("Download")))
        return Markup("").join(parts)

    def requirement(self, met: bool | None = None) -> Requirement:
        return Requirement(id=self.key, name=self.name, met=met, instructions_html=str(self.instructions_html),
                           extra={"check": self.check, "scope": self.scope, "source": self.source,
                                  "why": self.why, "download_url": self.download_url})


def render_markdown(text: str) -> Markup:
    """Markdown to HTML, then sanitised with nh3: no scripts, no styles, only http(s)/mailto links."""
    raw = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    safe = nh3.clean(raw, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return Markup(safe)  # noqa: S704 - sanitised by nh3 just above


def safe_url(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def validate(values: dict[str, Any], max_timeout: int) -> dict[str, str]:
    """Field -> problem (English, translated by the caller) for a definition's values."""
    problems: dict[str, str] = {}
    key = str(values.get("key") or "")
    if not KEY_PATTERN.match(key) or key == BROWSER_KEY:
        problems["key"] = "Use 1-64 lowercase letters, digits, '-' or '_' (not 'browser')."
    if not str(values.get("name") or "").strip():
        problems["name"] = "A name is required."
    check = values.get("check")
    if check not in CHECK_KINDS:
        problems["check"] = "Choose how the requirement is checked."
    elif check == "probe":
        probe_type, target = values.get("probe_type"), str(values.get("probe_target") or "")
        if probe_type not in PROBE_TYPES:
            problems["probe_type"] = "Choose a probe type."
        elif probe_type == "mime_type" and not MIME_TYPE.match(target):
            problems["probe_target"] = "Give a MIME type such as application/x-cades."
        elif probe_type != "mime_type" and (not GLOBAL_PATH.match(target)
                                            or FORBIDDEN_SEGMENTS & set(target.split("."))):
            problems["probe_target"] = "Give a global object path such as cadesplugin or window.app.plugin."
    elif check == "server" and values.get("server_check") not in SERVER_CHECKS:
        problems["server_check"] = "Choose a server-side check."
    url = str(values.get("download_url") or "")
    if url and not safe_url(url):
        problems["download_url"] = "Give an http:// or https:// address."
    timeout = values.get("timeout_ms")
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 100 <= timeout <= max_timeout:
        problems["timeout_ms"] = f"Give a timeout between 100 and {max_timeout} milliseconds."
    if values.get("scope") not in SCOPES:
        problems["scope"] = "Choose who must meet the requirement."
    return problems


def from_config(settings: dict[str, Any]) -> list[Definition]:
    """The deployer's definitions, checked at start-up (a mistake stops the app with a reason)."""
    out: list[Definition] = []
    for item in settings["requirements"]:
        if not isinstance(item, dict):
            raise ConfigError("client_check: every entry of 'requirements' must be a dict")
        values = {
            "key": item.get("id"), "name": item.get("name"), "check": item.get("check", "confirm"),
            "why": str(item.get("why", "")), "instructions": str(item.get("instructions", "")),
            "download_url": str(item.get("download_url", "")),
            "probe_type": (item.get("probe") or {}).get("type", ""),
            "probe_target": str((item.get("probe") or {}).get("target", "")),
            "server_check": item.get("server_check", ""),
            "timeout_ms": item.get("timeout_ms", settings["probe_timeout_ms"]),
            "scope": item.get("scope", "everyone"),
        }
        problems = validate(values, settings["max_probe_timeout_ms"])
        if problems:
            raise ConfigError(f"client_check: requirement {values['key']!r}: "
                              + "; ".join(f"{k}: {v}" for k, v in problems.items()))
        if any(d.key == values["key"] for d in out):
            raise ConfigError(f"client_check: requirement id {values['key']!r} is defined twice")
        out.append(Definition(source="config", **values))
    return out


def from_row(row: RequirementDefinition) -> Definition:
    return Definition(key=row.key, name=row.name, check=row.check, why=row.why, instructions=row.instructions,
                      download_url=row.download_url, probe_type=row.probe_type, probe_target=row.probe_target,
                      server_check=row.server_check, timeout_ms=row.timeout_ms, scope=row.scope, source="admin",
                      extra={"row_id": row.id})


def config_definitions() -> list[Definition]:
    return from_config(plugin_settings("client_check"))


def all_definitions(include_inactive: bool = False) -> list[Definition]:
    """Config definitions first, then the admins' ones (a config id shadows an admin key)."""
    defs = config_definitions()
    keys = {d.key for d in defs}
    query = db.select(RequirementDefinition).order_by(RequirementDefinition.id)
    if not include_inactive:
        query = query.where(RequirementDefinition.active.is_(True))
    defs += [from_row(r) for r in db.session.execute(query).scalars() if r.key not in keys]
    return defs
