"""A citizen's checklist: the browser verdict plus the software requirements that apply to them,
each with its latest result. Results belong to the signed-in user, or to an anonymous browser
session (a random token in the signed session cookie); nobody can write anyone else's."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import request, session
from sqlalchemy.exc import IntegrityError

from sep_core import ApiError, Requirement, current_state, db, plugin_settings, utcnow_naive
from sep_core import gettext as _

from . import browser as browsers
from .definitions import BROWSER_KEY, Definition, all_definitions
from .models import CheckResult

SESSION_KEY = "client_check_sid"

#: Outcomes a browser may post, by check kind, and whether each means "met".
POSTABLE = {
    "probe": {"present": True, "absent": False, "timeout": False, "error": False},
    "confirm": {"confirmed": True, "declined": False},
}


def signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "id", None))


def owner_of(user, create: bool = False) -> str | None:
    """``u:<id>`` for a signed-in user; ``s:<token>`` for this browser's anonymous session."""
    if signed_in(user):
        return f"u:{user.id}"
    sid = session.get(SESSION_KEY)
    if not (isinstance(sid, str) and len(sid) == 32) and create:
        sid = secrets.token_hex(16)
        session[SESSION_KEY] = sid
    return f"s:{sid}" if isinstance(sid, str) and len(sid) == 32 else None


def checked_user_agent() -> str:
    """The request's User-Agent for the API, or a 400 a client can act on."""
    agent = request.headers.get("User-Agent", "")
    if not agent.strip():
        raise ApiError(400, "missing_user_agent", "The User-Agent header is required to check the browser.")
    limit = int(plugin_settings("client_check")["max_user_agent_length"])
    if len(agent) > limit:
        raise ApiError(400, "user_agent_too_long", f"The User-Agent header is longer than {limit} characters.")
    return agent


def current_browser(strict: bool = False) -> browsers.Browser:
    """The verdict for the current request; lenient (unknown) unless ``strict`` (the API)."""
    settings = plugin_settings("client_check")
    if strict:
        agent = checked_user_agent()
    else:
        agent = request.headers.get("User-Agent", "")
        if len(agent) > int(settings["max_user_agent_length"]):
            agent = ""
    return browsers.detect(agent, request.headers, settings)


def requested_keys(user) -> set[str]:
    """Requirement ids staff asked this user to meet (other plugins answer, e.g. tickets)."""
    if not signed_in(user):
        return set()
    keys: set[str] = set()
    for group in current_state().pm.hook.sep_requested_requirements(user=user):
        keys.update(str(k) for k in group or [])
    return keys


def applicable(user) -> list[Definition]:
    wanted = requested_keys(user)
    return [d for d in all_definitions() if d.scope == "everyone" or d.key in wanted]


def server_check(definition: Definition, browser: browsers.Browser) -> bool | None:
    kind = definition.server_check
    if kind == "browser":
        return browser.supported
    if kind == "https":
        return request.is_secure
    if kind == "cookies":
        return bool(request.cookies)
    if kind == "desktop":
        mobile = request.headers.get("Sec-CH-UA-Mobile")
        if mobile in ("?0", "?1"):
            return mobile == "?0"
        if browser.verdict in (browsers.UNKNOWN, browsers.BOT) and not browser.os:
            return None
        return not any(word in (browser.os or "") for word in ("Android", "iOS", "iPadOS"))
    return None


def stored_results(owner: str | None, keys: list[str] | None = None) -> dict[str, CheckResult]:
    if owner is None:
        return {}
    query = db.select(CheckResult).where(CheckResult.owner == owner)
    if keys is not None:
        query = query.where(CheckResult.requirement_key.in_(keys))
    return {r.requirement_key: r for r in db.session.execute(query).scalars()}


def browser_requirement(browser: browsers.Browser) -> Requirement:
    return Requirement(id=BROWSER_KEY, name=_("A supported browser"), met=browser.supported,
                       instructions_html=str(browser_instructions(browser)),
                       extra={"check": "server", "scope": "everyone", "source": "browser", "plugin": "client_check",
                              **browser.to_json()})


def catalog() -> list[Requirement]:
    """What staff may ask a citizen to meet: a supported browser, then every active definition."""
    browser = Requirement(id=BROWSER_KEY, name=_("A supported browser"),
                          extra={"check": "server", "scope": "everyone", "source": "browser"})
    return [browser] + [d.requirement() for d in all_definitions()]


def browser_instructions(browser: browsers.Browser):
    from .banner import browser_advice

    return browser_advice(browser)


def build(user, browser: browsers.Browser) -> list[Requirement]:
    """The checklist of the current request and user: the browser first, then the requirements."""
    definitions = applicable(user)
    stored = stored_results(owner_of(user), [d.key for d in definitions])
    items = [browser_requirement(browser)]
    for d in definitions:
        met = server_check(d, browser) if d.check == "server" else (stored[d.key].met if d.key in stored else None)
        requirement = d.requirement(met)
        requirement.extra["plugin"] = "client_check"
        if d.check == "probe":
            requirement.extra.update(probe_type=d.probe_type, probe_target=d.probe_target, timeout_ms=d.timeout_ms)
        items.append(requirement)
    return items


def browser_label(browser: browsers.Browser) -> str:
    return " / ".join(p for p in (" ".join(p for p in (browser.family, browser.version) if p), browser.os) if p)[:120]


def record(owner: str, user, definition_key: str, outcome: str, met: bool, label: str) -> bool:
    """Store the latest result; True when the requirement has just become met."""
    row = db.session.execute(db.select(CheckResult).where(
        CheckResult.owner == owner, CheckResult.requirement_key == definition_key)).scalar_one_or_none()
    became_met = met and (row is None or not row.met)
    if row is None:
        row = CheckResult(owner=owner, user_id=user.id if signed_in(user) else None, requirement_key=definition_key)
        db.session.add(row)
    row.outcome, row.met, row.browser, row.checked_at = outcome, met, label, utcnow_naive()
    return became_met


def announce(user, requirement: Requirement, outcome: str) -> None:
    if signed_in(user):
        current_state().pm.hook.sep_on_requirement_met(
            user=user, requirement=requirement, result={"outcome": outcome, "met": True})


def sync_server_results(user, browser: browsers.Browser, items: list[Requirement]) -> None:
    """Remember server-side verdicts of a signed-in user, so staff see them and others hear when
    one becomes met. Anonymous visitors' server verdicts are not stored (they are live)."""
    if not signed_in(user):
        return
    owner, label = owner_of(user), browser_label(browser)

    def write() -> list[tuple[Requirement, str]]:
        met_now = []
        for item in items:
            if item.extra.get("plugin") != "client_check" or item.extra.get("check") != "server" or item.met is None:
                continue
            if record(owner, user, item.id, "met" if item.met else "unmet", bool(item.met), label):
                met_now.append((item, "met"))
        return met_now

    store(user, write)


def post_results(user, browser: browsers.Browser, entries: list[dict]) -> None:
    """Validate every entry first (all or nothing), then store them for the caller only."""
    definitions = {d.key: d for d in applicable(user)}
    problems, accepted = [], []
    for index, entry in enumerate(entries):
        key, outcome = entry.get("id"), entry.get("outcome")
        if not isinstance(key, str) or not isinstance(outcome, str) or set(entry) - {"id", "outcome"}:
            raise ApiError(400, "invalid_result",
                           f"results[{index}] must be an object with string fields 'id' and 'outcome' only.")
        if key == BROWSER_KEY:
            raise ApiError(409, "checked_by_server", "The browser is checked by the server, not posted.")
        definition = definitions.get(key)
        if definition is None:
            problems.append(key[:64])
            continue
        allowed = POSTABLE.get(definition.check)
        if allowed is None:
            raise ApiError(409, "checked_by_server", f"Requirement {key!r} is checked by the server, not posted.")
        if outcome not in allowed:
            raise ApiError(400, "invalid_outcome", f"results[{index}].outcome must be one of: "
                           + ", ".join(sorted(allowed)) + ".", {"index": index})
        accepted.append((definition, outcome, allowed[outcome]))
    if problems:
        raise ApiError(404, "unknown_requirement", "Unknown requirement id(s) for your checklist: "
                       + ", ".join(sorted(set(problems))) + ".", {"ids": sorted(set(problems))})
    owner, label = owner_of(user, create=True), browser_label(browser)

    def write() -> list[tuple[Requirement, str]]:
        return [(definition.requirement(True), outcome) for definition, outcome, met in accepted
                if record(owner, user, definition.key, outcome, met, label)]

    store(user, write)


def store(user, write: Callable[[], list[tuple[Requirement, str]]]) -> None:
    """Run ``write`` (which returns the requirements that became met), tell the other plugins,
    commit. Two requests of one owner racing to insert the same row: the loser retries once
    (the row then exists), and a second clash is a 409, never a 500."""
    for attempt in (1, 2):
        try:
            for requirement, outcome in write():
                announce(user, requirement, outcome)
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise ApiError(409, "conflict", "Another request saved results at the same time; try again.") \
                    from None


def status(user, keys: list[str]) -> list[Requirement]:
    """The stored status of a user's requirements (for staff and other plugins, no browser)."""
    known = {d.key: d for d in all_definitions(include_inactive=True)}
    wanted = [k for k in keys if k in known or k == BROWSER_KEY]
    stored = stored_results(f"u:{user.id}", wanted) if getattr(user, "id", None) else {}
    out = []
    for key in wanted:
        met = stored[key].met if key in stored else None
        if key == BROWSER_KEY:
            out.append(Requirement(id=key, name=_("A supported browser"), met=met,
                                   extra={"checked_at": stored[key].checked_at if key in stored else None}))
        else:
            requirement = known[key].requirement(met)
            requirement.extra["checked_at"] = stored[key].checked_at if key in stored else None
            requirement.extra["outcome"] = stored[key].outcome if key in stored else None
            out.append(requirement)
    return out
