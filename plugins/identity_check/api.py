"""JSON API under /api/v1/auth/: the session cookie plus the X-CSRFToken header."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from sep_core import API_PREFIX, ApiError, api_doc, json_body
from sep_core import lazy_gettext as _l

from . import service
from .forms import CodeForm, LoginForm, RegisterForm
from .messages import MESSAGES
from .service import FlowError, Throttled
from .validation import EMAIL_MAX, NAME_MAX, PHONE_MAX
from .views import client_ip

api = Blueprint("identity_check_api", __name__, url_prefix=API_PREFIX + "/auth")

TAGS = ["auth"]
ERROR_RESPONSES = {400: "Invalid input (details.fields lists the problems per field)",
                   429: "Too many attempts"}
STATUS_SCHEMA = {"type": "object", "properties": {"status": {"type": "string"}}}
USER_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string"},
        "user": {"type": "object", "properties": {
            "id": {"type": "integer"}, "full_name": {"type": "string"}, "role": {"type": "string"},
            "email_confirmed": {"type": "boolean"}, "phone_confirmed": {"type": "boolean"},
            "missing_confirmations": {"type": "array", "items": {"type": "string"}}}},
    },
}


def _formdata(data: dict, fields: tuple[str, ...], flags: tuple[str, ...] = ()) -> MultiDict:
    """JSON to form data: strings as they are, booleans for check boxes; anything else is refused."""
    values = MultiDict()
    wrong = {}
    for name in fields:
        value = data.get(name)
        if value is None:
            continue
        if name in flags:
            if value is True:
                values[name] = "y"
            elif value is not False:
                wrong[name] = [str(_l("Must be true or false."))]
        elif isinstance(value, str):
            values[name] = value
        else:
            wrong[name] = [str(_l("Must be text."))]
    if wrong:
        raise _invalid(wrong)
    return values


def _invalid(fields: dict) -> ApiError:
    return ApiError(400, "validation_failed", "Some fields are invalid.", {"fields": fields})


def _errors(form) -> dict:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def _user_json(user) -> dict:
    return {"id": user.id, "full_name": user.full_name, "role": user.role,
            "email_confirmed": bool(user.email_confirmed_at), "phone_confirmed": bool(user.phone_confirmed_at),
            "missing_confirmations": service.missing_confirmations(user)}


def _flow_error(exc: FlowError, status: int = 400) -> ApiError:
    details = {}
    if exc.attempts_left is not None:
        details["attempts_left"] = exc.attempts_left
    if exc.wait is not None:
        details["retry_after"] = exc.wait
    return ApiError(status, exc.code, str(exc.message), details or None)


def _throttled() -> ApiError:
    return ApiError(429, "rate_limited", str(_l(MESSAGES["throttled"])))


@api.get("/csrf")
@api_doc("A CSRF token for this session; send it as the X-CSRFToken header", tags=TAGS,
         response_schema={"type": "object", "properties": {"csrf_token": {"type": "string"}}})
def csrf():
    return jsonify({"csrf_token": generate_csrf()})


REGISTER_FIELDS = ("surname", "first_name", "patronymic", "phone", "email", "password", "consent")
REGISTER_SCHEMA = {
    "type": "object",
    "required": ["surname", "first_name", "phone", "email", "password", "consent"],
    "properties": {
        "surname": {"type": "string", "minLength": 1, "maxLength": NAME_MAX},
        "first_name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX},
        "patronymic": {"type": "string", "maxLength": NAME_MAX},
        "phone": {"type": "string", "maxLength": PHONE_MAX, "pattern": "^[0-9+\\-\\s().]+$",
                  "description": "Any common writing (8..., +7..., brackets); stored as E.164"},
        "email": {"type": "string", "format": "email", "maxLength": EMAIL_MAX},
        "password": {"type": "string", "minLength": 12, "maxLength": 256,
                     "description": "Also refused: easy to guess, or containing the name or e-mail"},
        "consent": {"type": "boolean", "enum": [True],
                    "description": "Consent to personal data processing (152-FZ)"},
    },
}


@api.post("/register")
@api_doc("Register a citizen; codes go to the e-mail and by SMS. The answer is the same whether or not "
         "the e-mail or phone already has an account.", tags=TAGS,
         request_body=REGISTER_SCHEMA,
         response_schema={"type": "object", "properties": {
             "status": {"type": "string"}, "channels": {"type": "array", "items": {"type": "string"}}}},
         responses={**ERROR_RESPONSES, 409: "Already signed in"})
def register():
    if current_user.is_authenticated:
        raise ApiError(409, "already_signed_in", "Sign out before registering another account.")
    data = json_body()
    form = RegisterForm(formdata=_formdata(data, REGISTER_FIELDS, ("consent",)), meta={"csrf": False})
    if not form.validate():
        raise _invalid(_errors(form))
    try:
        service.register(form.cleaned, client_ip(), str(get_locale() or "ru"))
    except Throttled as exc:
        raise _throttled() from exc
    return jsonify({"status": "confirmation_sent", "channels": list(service.CHANNELS)}), 202


@api.post("/confirm")
@api_doc("Confirm the e-mail or the phone with the code that was sent there", tags=TAGS,
         request_body={"type": "object", "required": ["channel", "code"],
                       "properties": {"channel": {"type": "string", "enum": ["email", "sms"]},
                                      "code": {"type": "string", "pattern": "^[0-9]{6}$"}}},
         response_schema=USER_SCHEMA,
         responses={**ERROR_RESPONSES, 401: "Nothing to confirm: sign in or register first"})
def confirm():
    data = json_body(("channel", "code"))
    form = CodeForm(formdata=_formdata(data, ("channel", "code")), meta={"csrf": False})
    if not form.validate():
        raise _invalid(_errors(form))
    try:
        user = service.confirm(current_user, form.channel.data, form.cleaned["code"], client_ip())
    except FlowError as exc:
        raise _flow_error(exc, 401 if exc.code == "not_signed_in" else 400) from exc
    except Throttled as exc:
        raise _throttled() from exc
    return jsonify({"status": "confirmed", "user": _user_json(user)})


@api.post("/resend")
@api_doc("Send a new confirmation code (after the cool-down)", tags=TAGS,
         request_body={"type": "object", "required": ["channel"],
                       "properties": {"channel": {"type": "string", "enum": ["email", "sms"]}}},
         response_schema=STATUS_SCHEMA,
         responses={**ERROR_RESPONSES, 401: "Nothing to confirm: sign in or register first"})
def resend():
    data = json_body(("channel",))
    channel = data.get("channel")
    if channel not in service.CHANNELS:
        raise _invalid({"channel": [str(_l("Not a valid choice."))]})
    try:
        service.resend(current_user, channel)
    except FlowError as exc:
        raise _flow_error(exc, 401 if exc.code == "not_signed_in" else 429 if exc.code == "cooldown" else 400) from exc
    except Throttled as exc:
        raise _throttled() from exc
    return jsonify({"status": "sent"})


@api.post("/login")
@api_doc("Sign in with an e-mail (or a phone) and the password; sets the session cookie", tags=TAGS,
         request_body={"type": "object", "required": ["password"],
                       "anyOf": [{"required": ["email"]}, {"required": ["phone"]}],
                       "properties": {"email": {"type": "string", "format": "email", "maxLength": EMAIL_MAX},
                                      "phone": {"type": "string", "maxLength": PHONE_MAX},
                                      "password": {"type": "string", "minLength": 1, "maxLength": 256},
                                      "remember": {"type": "boolean"}}},
         response_schema=USER_SCHEMA,
         responses={**ERROR_RESPONSES, 401: "Wrong e-mail, phone or password (the same for unknown accounts)"})
def login():
    data = json_body()
    raw = _formdata(data, ("email", "phone", "password", "remember"), ("remember",))
    identifier = raw.get("email") or raw.get("phone") or ""
    form = LoginForm(formdata=MultiDict({"login": identifier, "password": raw.get("password", ""),
                                         **({"remember": "y"} if raw.get("remember") else {})}), meta={"csrf": False})
    if not form.validate():
        errors = _errors(form)
        if "login" in errors:
            errors["email"] = errors.pop("login")
        raise _invalid(errors)
    try:
        user = service.login(form.cleaned["login"], form.cleaned["password"], bool(form.remember.data), client_ip())
    except FlowError as exc:
        raise _flow_error(exc, 401) from exc
    except Throttled as exc:
        raise _throttled() from exc
    return jsonify({"status": "signed_in", "user": _user_json(user), "csrf_token": generate_csrf()})


@api.post("/logout")
@api_doc("Sign out on this device (the account's other sessions stay)", tags=TAGS, response_schema=STATUS_SCHEMA)
def logout():
    service.logout(current_user)
    return jsonify({"status": "signed_out"})


@api.post("/logout-everywhere")
@api_doc("Sign out on every device: every session of the account ends", tags=TAGS, response_schema=STATUS_SCHEMA)
def logout_everywhere():
    service.logout_everywhere(current_user)
    return jsonify({"status": "signed_out"})


@api.get("/me")
@api_doc("The signed-in account and what it still has to confirm", tags=TAGS, response_schema=USER_SCHEMA,
         responses={401: "Not signed in"})
def me():
    if not current_user.is_authenticated:
        raise ApiError(401, "not_signed_in", "Not signed in.")
    return jsonify({"status": "signed_in", "user": _user_json(current_user)})

