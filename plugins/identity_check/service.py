"""Account flows: registration, confirmation, sign-in and out, password reset, contact change,
the citizen's data download and account deletion.

Views (web and JSON) call these; they take plain values already validated by the forms and
commit their own transactions. No function here reveals whether an account exists: callers get
the same result for known and unknown addresses.
"""

from __future__ import annotations

from datetime import timedelta

from flask import g, request, session
from flask_login import login_user, logout_user

from sep_core import (
    AuditEntry,
    InquiryLog,
    OutboxMessage,
    User,
    audit,
    current_state,
    db,
    drafts,
    now,
    plugin_settings,
    public_url,
    utcnow_naive,
)
from sep_core.accounts import ensure_session_token, hash_password, rotate_session, verify_password

from . import codes, delivery
from .messages import N_
from .models import Consent, IdentityCheck, OneTimeCode
from .throttle import failed_before, limited, over, throttle
from .validation import clean_email, clean_phone

CHANNELS = ("email", "sms")
PENDING = "ic_pending"
SENT_TO = "ic_sent_to"
DUMMY = "ic_dummy"


class Throttled(Exception):
    """Too many attempts; the caller answers 429."""


class FlowError(Exception):
    """A problem the visitor can act on: ``code`` for the API, ``message`` (lazy) for people."""

    def __init__(self, code: str, message, *, attempts_left: int | None = None, wait: int | None = None):
        super().__init__(code)
        self.code = code
        self.message = message
        self.attempts_left = attempts_left
        self.wait = wait


def settings() -> dict:
    return plugin_settings("identity_check")


# --- lookups ---------------------------------------------------------------------------------------


def find_by_email(address: str) -> User | None:
    return db.session.execute(db.select(User).filter_by(email=address)).scalar_one_or_none()


def find_by_phone(number: str) -> User | None:
    return db.session.execute(db.select(User).filter_by(phone=number)).scalar_one_or_none()


def find_by_login(identifier: str) -> tuple[User | None, str]:
    """The account for an e-mail or a phone number, and the normalised identifier (for throttling)."""
    identifier = (identifier or "").strip()[:300]
    try:
        if "@" in identifier:
            key = clean_email(identifier)
            return find_by_email(key), key
        key = clean_phone(identifier, settings()["phone_region"])
        return find_by_phone(key), key
    except ValueError:
        return None, identifier.lower()


def confirmed(user: User, channel: str) -> bool:
    return bool(user.email_confirmed_at if channel == "email" else user.phone_confirmed_at)


def missing_confirmations(user) -> list[str]:
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_staff", False):
        return []
    return [c for c in settings()["required_confirmations"] if c in CHANNELS and not confirmed(user, c)]


# --- registration ------------------------------------------------------------------------------------


def register(data: dict, ip: str, locale: str) -> None:
    """Create the account and send both codes, or, when the e-mail or phone is taken, tell the
    owner by e-mail and leave a look-alike pending state: the visitor sees the same either way."""
    if limited("register_ip", ip, "register_per_ip"):
        raise Throttled()
    password_hash = hash_password(data["password"])  # same work on both paths
    taken = [u for u in {find_by_email(data["email"]), find_by_phone(data["phone"])} if u is not None]
    session.pop(PENDING, None)
    session.pop(DUMMY, None)
    session[SENT_TO] = {"email": mask_email(data["email"]), "sms": mask_phone(data["phone"])}  # both paths alike
    if taken:
        for owner in taken:
            delivery.send_notice(
                owner, N_("Someone tried to register with your contact details"),
                N_("Hello!\n\nSomeone tried to register a new account with your e-mail address or phone "
                "number. If it was you, sign in or reset your password instead. If it was not you, "
                "ignore this message.\n\n%(site)s"))
        db.session.commit()
        session[PENDING] = 0
        session[DUMMY] = {"sent": now().timestamp()}
        return
    user = User(email=data["email"], phone=data["phone"], surname=data["surname"], first_name=data["first_name"],
                patronymic=data.get("patronymic") or "", password_hash=password_hash, role="citizen",
                profiles=[], locale=locale, active=True)
    rotate_session(user)
    db.session.add(user)
    db.session.flush()
    db.session.add(Consent(user_id=user.id, version=str(settings()["consent_version"]), accepted_at=utcnow_naive()))
    for channel in CHANNELS:
        _send_confirmation(user, channel)
    db.session.commit()
    session[PENDING] = user.id


def mask_email(address: str | None) -> str:
    """Where a code went, without spelling the address out: «m•••@example.ru»."""
    local, _at, domain = (address or "").partition("@")
    return f"{local[:1]}•••@{domain}" if local and domain else ""


def mask_phone(number: str | None) -> str:
    """«+7 ••• •••-45-67»: the last four digits."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return f"+{digits[:1]} ••• •••-{digits[-4:-2]}-{digits[-2:]}" if len(digits) >= 6 else ""


def sent_to(subject) -> dict:
    """The masked e-mail and phone the confirmation codes went to (for the confirm page)."""
    if isinstance(subject, User):
        return {"email": mask_email(subject.email), "sms": mask_phone(subject.phone)}
    return dict(session.get(SENT_TO) or {})


def _send_confirmation(user: User, channel: str) -> None:
    _row, code = codes.issue(user.id, channel, "confirm")
    current_state().pm.hook.sep_send_code(user=user, channel=channel, code=code, purpose="confirm")


def confirmation_subject(current) -> User | int | None:
    """Who is confirming: the signed-in user, the account just registered in this session,
    0 for a look-alike pending registration, or None (nothing to confirm)."""
    if current is not None and getattr(current, "is_authenticated", False):
        return current
    pending = session.get(PENDING)
    if pending == 0:
        return 0
    if isinstance(pending, int):
        user = db.session.get(User, pending)
        if user is not None and user.active:
            return user
    return None


def confirm(current, channel: str, code: str, ip: str) -> User | None:
    """Check a confirmation code; on success the contact is confirmed and, right after
    registration, the citizen is signed in. Raises FlowError for a wrong code."""
    if limited("confirm_ip", ip, "confirm_per_ip"):
        raise Throttled()
    subject = confirmation_subject(current)
    if subject is None:
        raise FlowError("not_signed_in", _msg("not_signed_in"))
    if subject == 0:
        return _dummy_confirm(channel)
    user: User = subject  # type: ignore[assignment]
    if confirmed(user, channel) and codes.active_code(user.id, channel, "confirm") is None:
        raise FlowError("already_confirmed", _msg("already_confirmed"))
    result = codes.check(user.id, channel, "confirm", code)
    if not result.ok:
        db.session.commit()
        if result.outcome == "none":  # a parallel request (a double click) may have just used it
            db.session.refresh(user)
            if confirmed(user, channel):
                raise FlowError("already_confirmed", _msg("already_confirmed"))
        raise _code_error(result.outcome, result.attempts_left)
    if channel == "email":
        user.email_confirmed_at = utcnow_naive()
    else:
        user.phone_confirmed_at = utcnow_naive()
    signed_in = getattr(current, "is_authenticated", False)
    if not signed_in:
        ensure_session_token(user)
    db.session.commit()
    if not signed_in:
        _sign_in(user, remember=False)
    return user


def _dummy_confirm(channel: str):
    state = dict(session.get(DUMMY) or {})
    key = f"attempts_{channel}"
    state[key] = state.get(key, 0) + 1
    session[DUMMY] = state
    max_attempts = int(settings()["code_max_attempts"])
    if state[key] > max_attempts:
        raise _code_error("void", 0)
    if state[key] == max_attempts:
        raise _code_error("void", 0)
    raise _code_error("wrong", max_attempts - state[key])


def resend(current, channel: str) -> None:
    subject = confirmation_subject(current)
    if subject is None:
        raise FlowError("not_signed_in", _msg("not_signed_in"))
    wait_setting = int(settings()["resend_cooldown_seconds"])
    if subject == 0:
        state = dict(session.get(DUMMY) or {})
        sent = state.get(f"sent_{channel}", state.get("sent", 0))
        left = int(sent + wait_setting - now().timestamp() + 0.999)
        if left > 0:
            raise FlowError("cooldown", _msg("cooldown", wait=left), wait=left)
        state[f"sent_{channel}"] = now().timestamp()
        state[f"attempts_{channel}"] = 0
        session[DUMMY] = state
        return
    user: User = subject  # type: ignore[assignment]
    if confirmed(user, channel):
        raise FlowError("already_confirmed", _msg("already_confirmed"))
    left = codes.cooldown_left(user.id, channel, "confirm")
    if left > 0:
        raise FlowError("cooldown", _msg("cooldown", wait=left), wait=left)
    if limited("resend_account", str(user.id), "resend_per_account"):
        raise Throttled()
    _send_confirmation(user, channel)
    db.session.commit()


def _code_error(outcome: str, attempts_left: int) -> FlowError:
    if outcome == "wrong":
        return FlowError("wrong_code", _msg("wrong_code", n=attempts_left), attempts_left=attempts_left)
    return FlowError(f"code_{outcome}", _msg(f"code_{outcome}"), attempts_left=0)


def _msg(code: str, **values):
    from sep_core import lazy_gettext as _l

    from .messages import MESSAGES

    return _l(MESSAGES[code], **values)


# --- sign-in and out ---------------------------------------------------------------------------------


def login(identifier: str, password: str, remember: bool, ip: str) -> User:
    """Sign in, or FlowError("invalid_credentials") for any wrong pair (no enumeration)."""
    user, key = find_by_login(identifier)
    pair = f"{key}|{ip}"
    if login_refused(key, pair, ip):
        verify_password(None, password or "")
        raise Throttled()
    ok = verify_password(user, password or "") and user is not None and user.active
    if not ok:
        limited("login_account", key, "login_per_account")
        limited("login_client", pair, "login_per_client")
        limited("login_client_day", pair, "login_per_client_day")
        limited("login_ip", ip, "login_per_ip")
        raise FlowError("invalid_credentials", _msg("invalid_credentials"))
    throttle().clear("login_account", key)
    throttle().clear("login_client", pair)
    ensure_session_token(user)  # other devices stay signed in
    db.session.commit()
    _sign_in(user, remember=remember)
    return user


def login_refused(key: str, pair: str, ip: str) -> bool:
    """Whether this client may not try this account now. Failures count per (account, client
    address): five per 15 minutes, thirty a day (the wait grows). The account's own ceiling only
    stops clients that already failed on it, so wrong passwords sent from other addresses never
    lock the owner out (docs/plugins/identity_check.md, "Sign-in throttling")."""
    if over("login_ip", ip, "login_per_ip") or over("login_client", pair, "login_per_client"):
        return True
    if over("login_client_day", pair, "login_per_client_day"):
        return True
    return over("login_account", key, "login_per_account") and failed_before("login_client", pair, "login_per_client")


def _sign_in(user: User, remember: bool) -> None:
    kept = drafts.carried_over()  # the language, a request draft and where to go next
    session.clear()  # a fresh session on sign-in (no fixation of anything set before)
    g.pop("csrf_token", None)  # a token generated later in this request must belong to the new session
    session.update(kept)
    login_user(user, remember=remember, duration=timedelta(days=int(settings()["remember_days"])), fresh=True)


def logout(user) -> None:
    """Sign out on this device: its session and remember-me cookies go; other devices stay signed in."""
    logout_user()
    forget = session.get("_remember")  # flask-login's order to delete the remember-me cookie
    session.clear()
    if forget:
        session["_remember"] = forget
    g.pop("csrf_token", None)


def logout_everywhere(user) -> None:
    """Sign out on every device: the session token changes, so every cookie of the account dies."""
    if user is not None and getattr(user, "is_authenticated", False):
        rotate_session(user)
        audit(user, "signed_out_everywhere", "user", user.id)
        db.session.commit()
    logout(user)


def change_password(user: User, current: str, new: str) -> None:
    """A new password for a signed-in citizen: the current one is checked (FlowError otherwise, and
    counted like a failed sign-in); every other device is signed out, this one stays signed in."""
    if over("login_account", str(user.id), "login_per_account"):
        raise Throttled()
    if not verify_password(user, current or ""):
        limited("login_account", str(user.id), "login_per_account")
        raise FlowError("wrong_password", _msg("wrong_password"))
    user.password_hash = hash_password(new)
    rotate_session(user)
    audit(user, "password_changed", "user", user.id)
    delivery.send_notice(user, N_("Your password was changed"),
                         N_("Hello!\n\nThe password of your account was changed. If it was not you, "
                         "contact the support centre at once.\n\n%(site)s"))
    db.session.commit()
    _sign_in(user, remember=False)  # this device, with the new token


# --- password reset ----------------------------------------------------------------------------------


def request_reset(email: str, ip: str) -> None:
    if limited("reset_ip", ip, "reset_per_ip"):
        raise Throttled()
    try:
        address = clean_email(email)
    except ValueError:
        return
    if limited("reset_account", address, "reset_per_account"):
        return  # silently: the visitor sees the same page
    user = find_by_email(address)
    if user is None or not user.active:
        return
    token = codes.issue_token(user.id, "reset", float(settings()["reset_ttl_minutes"]))
    link = public_url(f"/reset/{token}", secret=True)
    delivery.send_notice(
        user, N_("Password reset"),
        N_("Hello!\n\nTo set a new password, open this link within %(minutes)s minutes:\n%(link)s\n\n"
        "The link works once. If you did not ask for it, ignore this message: your password stays "
        "the same.\n\n%(site)s"), link=link, minutes=int(settings()["reset_ttl_minutes"]), secret=True)
    db.session.commit()


def reset_target(token: str) -> User | None:
    row = codes.find_token(token, "reset")
    return db.session.get(User, row.user_id) if row is not None else None


def complete_reset(token: str, password: str) -> bool:
    row = codes.find_token(token, "reset")
    user = db.session.get(User, row.user_id) if row is not None else None
    if user is None or not user.active:
        return False
    row.status = "used"
    row.used_at = utcnow_naive()
    codes.void_all(user.id)
    user.password_hash = hash_password(password)
    if not user.email_confirmed_at:
        user.email_confirmed_at = utcnow_naive()  # the link proved the address
        # Whoever registered with this unconfirmed address may not be its owner: a phone they
        # attached would receive identity-check codes for the real owner. The owner adds and
        # confirms their own phone from the cabinet.
        user.phone, user.phone_confirmed_at = None, None
    rotate_session(user)
    delivery.send_notice(user, N_("Your password was changed"),
                         N_("Hello!\n\nThe password of your account was changed. If it was not you, "
                         "contact the support centre at once.\n\n%(site)s"))
    db.session.commit()
    clear_login_failures(user)
    return True


def clear_login_failures(user: User) -> None:
    """The reset link proved the owner: their account's counters and those of the address they
    opened it from start again (other addresses stay throttled)."""
    ip = request.remote_addr or "unknown"
    for key in filter(None, (user.email, user.phone)):
        throttle().clear("login_account", key)
        throttle().clear("login_client", f"{key}|{ip}")
        throttle().clear("login_client_day", f"{key}|{ip}")


# --- contact change ----------------------------------------------------------------------------------


def start_contact_change(user: User, channel: str, value: str, password: str) -> None:
    """Send a code to the new contact. If it belongs to someone else no code goes out, but the
    visitor cannot tell (the code row exists and simply never arrives)."""
    if over("login_account", str(user.id), "login_per_account"):
        raise Throttled()
    if not verify_password(user, password or ""):
        limited("login_account", str(user.id), "login_per_account")
        raise FlowError("wrong_password", _msg("wrong_password"))
    current = user.email if channel == "email" else user.phone
    if value == current:
        raise FlowError("same_contact", _msg("same_contact"))
    left = codes.cooldown_left(user.id, channel, "change")
    if left > 0:
        raise FlowError("cooldown", _msg("cooldown", wait=left), wait=left)
    owner = find_by_email(value) if channel == "email" else find_by_phone(value)
    _row, code = codes.issue(user.id, channel, "change", target=value)
    if owner is None:
        delivery.deliver_code(user, channel, code, "change", to=value)
    db.session.commit()


def pending_change(user: User, channel: str) -> str | None:
    row = codes.active_code(user.id, channel, "change")
    return row.target if row is not None and row.expires_at > utcnow_naive() else None


def confirm_contact_change(user: User, channel: str, code: str, ip: str) -> None:
    if limited("confirm_ip", ip, "confirm_per_ip"):
        raise Throttled()
    result = codes.check(user.id, channel, "change", code)
    if not result.ok:
        db.session.commit()
        raise _code_error(result.outcome, result.attempts_left)
    value = result.row.target
    result.row.target = None
    owner = find_by_email(value) if channel == "email" else find_by_phone(value)
    if not value or (owner is not None and owner.id != user.id):
        db.session.commit()
        raise FlowError("contact_unavailable", _msg("contact_unavailable"))
    old_email = user.email
    if channel == "email":
        user.email, user.email_confirmed_at = value, utcnow_naive()
    else:
        user.phone, user.phone_confirmed_at = value, utcnow_naive()
    if old_email and channel == "email":
        delivery.send_notice(user, N_("Your e-mail address was changed"),
                             N_("Hello!\n\nThe e-mail address of your account was changed. If it was not "
                             "you, contact the support centre at once.\n\n%(site)s"), to=old_email)
    db.session.commit()


# --- the citizen's data --------------------------------------------------------------------------------


def _iso(moment) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def export(user: User) -> dict:
    data = {
        "account": {
            "id": user.id, "surname": user.surname, "first_name": user.first_name,
            "patronymic": user.patronymic, "email": user.email, "phone": user.phone, "role": user.role,
            "locale": user.locale, "created_at": _iso(user.created_at),
            "email_confirmed_at": _iso(user.email_confirmed_at), "phone_confirmed_at": _iso(user.phone_confirmed_at),
        },
        "consents": [{"version": c.version, "accepted_at": _iso(c.accepted_at)} for c in db.session.execute(
            db.select(Consent).filter_by(user_id=user.id).order_by(Consent.id)).scalars()],
        "identity_checks": [c.as_dict() for c in db.session.execute(
            db.select(IdentityCheck).filter_by(user_id=user.id).order_by(IdentityCheck.id)).scalars()],
        "inquiries": [{"channel": i.channel, "text": i.text, "created_at": _iso(i.created_at)}
                      for i in db.session.execute(db.select(InquiryLog).filter_by(user_id=user.id)
                                                  .order_by(InquiryLog.id)).scalars()],
    }
    for part in current_state().pm.hook.sep_user_data(user=user):
        for key, value in (part or {}).items():
            data.setdefault(key, value)
    return data


def delete_account(user: User, password: str) -> str:
    """Erase the account's personal data (the row stays, anonymised, so ids in other tables
    still point somewhere). Other plugins erase or anonymise theirs via sep_on_user_deleted."""
    if over("login_account", str(user.id), "login_per_account"):
        raise Throttled()
    if not verify_password(user, password or ""):
        limited("login_account", str(user.id), "login_per_account")
        raise FlowError("wrong_password", _msg("wrong_password"))
    retention = settings()["requests_retention"]
    current_state().pm.hook.sep_on_user_deleted(user=user, retention=retention)
    personal = [v for v in (user.email, user.phone) if v] + [
        t for t in db.session.execute(db.select(OneTimeCode.target).filter_by(user_id=user.id)).scalars() if t]
    if personal:
        matches = db.or_(*(column.contains(v, autoescape=True) for v in personal
                           for column in (OutboxMessage.payload_json, OutboxMessage.secret_json)))
        db.session.execute(db.delete(OutboxMessage).where(matches))
    db.session.execute(db.delete(OneTimeCode).where(OneTimeCode.user_id == user.id))
    for inquiry in db.session.execute(db.select(InquiryLog).filter_by(user_id=user.id)).scalars():
        inquiry.text = ""
        inquiry.user_id = None
    for check in db.session.execute(db.select(IdentityCheck).filter_by(user_id=user.id)).scalars():
        check.reason = ""
    user.email = user.phone = user.password_hash = None
    user.surname = user.first_name = user.patronymic = ""
    user.email_confirmed_at = user.phone_confirmed_at = None
    user.active = False
    user.role = "citizen"
    user.profiles = []
    rotate_session(user)
    audit(user, "account_deleted", "user", user.id, reason=f"retention={retention}")
    db.session.commit()
    logout_user()
    session.clear()
    return retention


def audit_entries_for(user: User) -> list[AuditEntry]:
    return list(db.session.execute(db.select(AuditEntry).filter_by(object_type="user", object_id=str(user.id))
                                   .order_by(AuditEntry.id)).scalars())
