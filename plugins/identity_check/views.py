"""Web pages: register, confirm, sign in and out, password reset, the cabinet, the staff page."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from sep_core import ROLES, STAFF_ROLES, User, audit, current_state, db, drafts, plugin_settings, safe_next, ui_slot
from sep_core import gettext as _
from sep_core import lazy_gettext as _l

from . import identity, service
from .forms import (
    CodeForm,
    ContactChangeForm,
    DeleteForm,
    IdentityCodeForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    RegisterForm,
    ResendForm,
    ResetRequestForm,
    StaffForm,
    choice,
)
from .messages import MESSAGES
from .service import FlowError, Throttled

blueprint = Blueprint("identity_check", __name__, static_folder="static", static_url_path="/static/identity_check")

ROLE_LABELS = {
    "citizen": _l("Citizen"), "duty": _l("Duty specialist"), "specialist": _l("Specialist"),
    "kb_editor": _l("Knowledge base editor"), "admin": _l("Administrator"),
}


def client_ip() -> str:
    return request.remote_addr or "unknown"


def throttled_message():
    return _l(MESSAGES["throttled"])


def _signed_in():
    return current_user.is_authenticated


def _to_login():
    return redirect(url_for("identity_check.login", next=request.full_path.rstrip("?")))


@blueprint.get("/consent")
def consent():
    """The personal-data consent text (152-FZ) a citizen accepts at registration, public."""
    settings = plugin_settings("identity_check")
    return render_template("identity_check/consent.html", consent_version=settings["consent_version"],
                           retention=settings["requests_retention"])


# --- registration and confirmation ----------------------------------------------------------------


@blueprint.route("/register", methods=["GET", "POST"])
def register():
    if _signed_in():
        return redirect(url_for("identity_check.cabinet"))
    form = RegisterForm()
    status = 200
    next_path = safe_next(request.args.get("next"), "")
    if form.validate_on_submit():
        try:
            service.register(form.cleaned, client_ip(), str(get_locale() or "ru"))
            drafts.remember_next(next_path)  # after both codes: back where the citizen was going
            return redirect(url_for("identity_check.confirm_page"))
        except Throttled:
            form.form_errors.append(throttled_message())
            status = 429
    elif form.is_submitted():
        status = 400
    return render_template("identity_check/register.html", form=form, next_path=next_path,
                           reason=_sign_in_reason(next_path),
                           consent_version=plugin_settings("identity_check")["consent_version"],
                           min_length=plugin_settings("identity_check")["password_min_length"]), status


def _confirm_context(subject) -> dict:
    ttl = plugin_settings("identity_check")["code_ttl_minutes"]
    if subject == 0:
        return {"channels": ["email", "sms"], "confirmed": [], "ttl": ttl, "sent_to": service.sent_to(0)}
    user: User = subject
    return {"channels": [c for c in service.CHANNELS if not service.confirmed(user, c)],
            "confirmed": [c for c in service.CHANNELS if service.confirmed(user, c)], "ttl": ttl,
            "sent_to": service.sent_to(user)}


@blueprint.get("/confirm")
def confirm_page():
    subject = service.confirmation_subject(current_user)
    if subject is None:
        return _to_login()
    context = _confirm_context(subject)
    if not context["channels"]:
        return redirect(drafts.pop_next(url_for("identity_check.cabinet")))
    return render_template("identity_check/confirm.html", forms=_code_forms(context["channels"]), **context)


def _code_forms(channels, errors: dict | None = None) -> dict:
    forms = {}
    for channel in channels:
        form = CodeForm(formdata=None, channel=channel, prefix=channel)
        if errors and channel in errors:
            form.code.errors = [errors[channel]]
        forms[channel] = form
    return forms


@blueprint.post("/confirm")
def confirm_submit():
    subject = service.confirmation_subject(current_user)
    if subject is None:
        return _to_login()
    channel = request.form.get("channel", "")
    if channel not in service.CHANNELS:
        abort(400)
    form = CodeForm(prefix=channel)
    form.channel.data = channel
    status, error = 200, None
    if form.validate_on_submit():
        try:
            service.confirm(current_user, channel, form.cleaned["code"], client_ip())
            flash(_("E-mail confirmed.") if channel == "email" else _("Phone confirmed."), "success")
            return redirect(url_for("identity_check.confirm_page"))
        except FlowError as exc:
            error, status = exc.message, 400
        except Throttled:
            error, status = throttled_message(), 429
    else:
        error, status = (form.code.errors or [_l("Enter the code.")])[0], 400
    subject = service.confirmation_subject(current_user)
    context = _confirm_context(subject)
    channels = context["channels"] or [channel]
    return render_template("identity_check/confirm.html", forms=_code_forms(channels, {channel: error}),
                           **context), status


@blueprint.post("/confirm/resend")
def resend():
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.resend(current_user, form.channel.data)
        flash(_("A new code has been sent."), "success")
    except FlowError as exc:
        if exc.code == "not_signed_in":
            return _to_login()
        flash(str(exc.message), "error")
    except Throttled:
        flash(str(throttled_message()), "error")
    return redirect(url_for("identity_check.confirm_page"))


# --- sign-in and out --------------------------------------------------------------------------------


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    next_path = safe_next(request.args.get("next"), "")
    if form.validate_on_submit():
        try:
            user = service.login(form.cleaned["login"], form.cleaned["password"], bool(form.remember.data),
                                 client_ip())
            return redirect(next_path or _home_of(user))
        except FlowError as exc:
            form.form_errors.append(exc.message)
            status = 401
        except Throttled:
            form.form_errors.append(throttled_message())
            status = 429
    elif form.is_submitted():
        status = 400
    form.password.data = ""
    return render_template("identity_check/login.html", form=form, next_path=next_path,
                           reason=_sign_in_reason(next_path)), status


def _home_of(user) -> str:
    """Where a sign-in without ``next`` lands: staff at their desk, citizens in the cabinet."""
    if getattr(user, "is_staff", False):
        if user.role == "kb_editor" and "kb_keyword_desk.kb_list" in current_app.view_functions:
            return url_for("kb_keyword_desk.kb_list")
        if "tickets_desk.queue" in current_app.view_functions:
            return url_for("tickets_desk.queue")
    return url_for("identity_check.cabinet")


def _sign_in_reason(next_path: str) -> str:
    """Why the visitor was sent here (said on the sign-in and registration pages), or ''."""
    if not next_path:
        return ""
    if next_path.startswith("/requests/new"):
        if drafts.draft():
            return _("To send a request, sign in or register. Your question is kept: the request form will open "
                     "with it.")
        return _("To send a request, sign in or register: requests are filed from the personal cabinet.")
    return _("This page is for signed-in users. Sign in or register, and we will take you back to it.")


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "POST":
        service.logout(current_user)
        flash(_("You have signed out."), "success")
        return redirect("/")
    return render_template("identity_check/logout.html")


@blueprint.post("/logout/everywhere")
def logout_everywhere():
    """"Sign out on all devices" from the cabinet: every session of the account ends."""
    if not _signed_in():
        return _to_login()
    service.logout_everywhere(current_user)  # the app-wide CSRF protection checked the form's token
    flash(_("You have signed out on all devices."), "success")
    return redirect("/")


@blueprint.route("/cabinet/password", methods=["GET", "POST"])
def password_change():
    if not _signed_in():
        return _to_login()
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.change_password(current_user._get_current_object(), form.cleaned["current"],
                                    form.cleaned["password"])
            flash(_("The password is changed. Other devices are signed out; this one stays signed in."), "success")
            return redirect(url_for("identity_check.cabinet"))
        except FlowError as exc:
            form.current.errors = [exc.message]
            status = 400
        except Throttled:
            form.form_errors.append(throttled_message())
            status = 429
    elif form.is_submitted():
        status = 400
    form.current.data = form.password.data = form.password2.data = ""
    return render_template("identity_check/password.html", form=form,
                           min_length=plugin_settings("identity_check")["password_min_length"]), status


# --- password reset ---------------------------------------------------------------------------------


@blueprint.route("/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.request_reset(form.cleaned["email"], client_ip())
            return render_template("identity_check/reset_sent.html")
        except Throttled:
            form.form_errors.append(throttled_message())
            status = 429
    elif form.is_submitted():
        status = 400
    return render_template("identity_check/reset_request.html", form=form), status


#: The session key holding a reset link's token once the link was opened: the form lives at a clean
#: URL, so the token is not in the address bar, the history, a Referer or later access-log lines.
RESET_SESSION_KEY = "identity_check_reset"


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """The e-mailed link: its token is exchanged for a session value on the first GET and the
    browser is sent to ``/reset/password`` (POST here is kept for forms of older pages)."""
    if service.reset_target(token) is None:
        return render_template("identity_check/reset_invalid.html"), 404
    if request.method == "GET":
        session[RESET_SESSION_KEY] = token
        return redirect(url_for("identity_check.reset_password_form"), 303)
    return _reset_form(token)


@blueprint.route("/reset/password", methods=["GET", "POST"])
def reset_password_form():
    token = session.get(RESET_SESSION_KEY)
    if not isinstance(token, str) or service.reset_target(token) is None:
        session.pop(RESET_SESSION_KEY, None)
        return render_template("identity_check/reset_invalid.html"), 404
    return _reset_form(token)


def _reset_form(token: str):
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        session.pop(RESET_SESSION_KEY, None)
        if service.complete_reset(token, form.cleaned["password"]):
            flash(_("Your password has been changed. Sign in with the new password."), "success")
            return redirect(url_for("identity_check.login"))
        return render_template("identity_check/reset_invalid.html"), 404
    if form.is_submitted():
        status = 400
    return render_template("identity_check/reset_form.html", form=form), status


# --- the cabinet --------------------------------------------------------------------------------------


@blueprint.get("/cabinet")
def cabinet():
    if not _signed_in():
        return _to_login()
    user = current_user
    return render_template("identity_check/cabinet.html", user=user, missing=service.missing_confirmations(user),
                           sections=ui_slot("cabinet_sections", user=user),
                           role_label=ROLE_LABELS.get(user.role, user.role), profiles=_profiles())


def cabinet_identity_section(user) -> list[Markup]:
    """This plugin's own cabinet section: identity checks waiting for a code."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    checks = identity.pending_for(user)
    if not checks:
        return []
    # render_template output is autoescaped HTML, so marking it safe is correct here
    return [Markup(render_template("identity_check/_identity_section.html", checks=checks))]  # noqa: S704


@blueprint.post("/cabinet/identity/<int:check_id>")
def identity_verify(check_id: int):
    if not _signed_in():
        return _to_login()
    form = IdentityCodeForm()
    if not form.validate_on_submit():
        flash(str((form.code.errors or [_l("Enter the code.")])[0]), "error")
        return redirect(url_for("identity_check.cabinet"))
    outcome = identity.verify(check_id, form.cleaned["code"], current_user)
    texts = {
        "passed": (_("Your identity has been confirmed."), "success"),
        "wrong": (_("Wrong code. Try again."), "error"),
        "failed": (_("Too many wrong attempts: the check has failed. The support centre will contact you."), "error"),
        "expired": (_("The code has expired. Ask the support centre for a new one."), "error"),
    }
    if outcome == "unknown":
        abort(404)
    text, category = texts[outcome]
    flash(text, category)
    return redirect(url_for("identity_check.cabinet"))


@blueprint.route("/cabinet/contact", methods=["GET", "POST"])
def contact_change():
    if not _signed_in():
        return _to_login()
    form = ContactChangeForm()
    status = 200
    if form.validate_on_submit():
        channel = form.channel.data
        try:
            service.start_contact_change(current_user, channel, form.cleaned["value"], form.cleaned["password"])
            flash(_("We have sent a code to the new contact. Enter it below."), "success")
            return redirect(url_for("identity_check.contact_confirm", channel=channel))
        except FlowError as exc:
            (form.password if exc.code == "wrong_password" else form.value).errors = [exc.message]
            status = 400
        except Throttled:
            form.form_errors.append(throttled_message())
            status = 429
    elif form.is_submitted():
        status = 400
    form.password.data = ""
    return render_template("identity_check/contact.html", form=form), status


@blueprint.route("/cabinet/contact/confirm", methods=["GET", "POST"])
def contact_confirm():
    if not _signed_in():
        return _to_login()
    channel = request.values.get("channel", "email")
    if channel not in service.CHANNELS:
        abort(400)
    form = IdentityCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.confirm_contact_change(current_user, channel, form.cleaned["code"], client_ip())
            flash(_("Your contact details have been changed and confirmed."), "success")
            return redirect(url_for("identity_check.cabinet"))
        except FlowError as exc:
            form.code.errors = [exc.message]
            status = 400
        except Throttled:
            form.form_errors.append(throttled_message())
            status = 429
    elif form.is_submitted():
        status = 400
    return render_template("identity_check/contact_confirm.html", form=form, channel=channel,
                           target=service.pending_change(current_user, channel)), status


@blueprint.get("/cabinet/export")
def export():
    if not _signed_in():
        return _to_login()
    body = json.dumps(service.export(current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-data.json"', "Cache-Control": "no-store"})


@blueprint.route("/cabinet/delete", methods=["GET", "POST"])
def delete_account():
    if not _signed_in():
        return _to_login()
    form = DeleteForm()
    status = 200
    retention = plugin_settings("identity_check")["requests_retention"]
    if form.validate_on_submit():
        try:
            service.delete_account(current_user, form.cleaned["password"])
            return render_template("identity_check/deleted.html", retention=retention)
        except FlowError as exc:
            form.password.errors = [exc.message]
            status = 400
        except Throttled:
            form.form_errors.append(throttled_message())
            status = 429
    elif form.is_submitted():
        status = 400
    return render_template("identity_check/delete.html", form=form, retention=retention), status


# --- staff page (admins) ----------------------------------------------------------------------------


def _profiles() -> dict:
    """The active profiles of the managed list (``sep_specialist_profiles``, e.g. tickets' list);
    this plugin's ``specialist_profiles`` setting when no plugin manages one."""
    managed = {str(item["code"]): str(item.get("name") or item["code"])
               for group in current_state().pm.hook.sep_specialist_profiles() for item in group or []
               if item.get("active", True)}
    return managed or {k: _(v) for k, v in plugin_settings("identity_check")["specialist_profiles"].items()}


@blueprint.route("/staff", methods=["GET", "POST"])
def staff():
    if not _signed_in():
        return _to_login()
    if current_user.role != "admin":
        abort(403)
    form = StaffForm()
    form.role.choices = [choice(r, ROLE_LABELS[r]) for r in ROLES]
    form.profiles.choices = [choice(k, v) for k, v in _profiles().items()]
    status = 200
    if form.validate_on_submit():
        user = service.find_by_email(form.cleaned["email"])
        if user is None or not user.active:
            form.email.errors = [_l("There is no account with this e-mail.")]
            status = 400
        elif user.id == current_user.id and form.role.data != "admin":
            form.role.errors = [_l("You cannot take the administrator role from yourself.")]
            status = 400
        else:
            user.role = form.role.data
            user.profiles = sorted(set(form.profiles.data or [])) if form.role.data == "specialist" else []
            audit(current_user, "staff_role_changed", "user", user.id, reason=f"role={user.role}")
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("identity_check.staff"))
    elif form.is_submitted():
        status = 400
    members = list(db.session.execute(
        db.select(User).where(User.role.in_(STAFF_ROLES), User.active.is_(True)).order_by(User.surname, User.id)
    ).scalars())
    audit(current_user, "staff_list_viewed", "user", "", reason=f"{len(members)} staff")
    db.session.commit()
    return render_template("identity_check/staff.html", form=form, members=members, role_labels=ROLE_LABELS,
                           profiles=_profiles()), status


def nav_items(user) -> list[tuple[str, str, int]]:
    if user is not None and getattr(user, "is_authenticated", False):
        items = [(_("Cabinet"), url_for("identity_check.cabinet"), 90)]
        if user.role == "admin":
            items.append((_("Staff"), url_for("identity_check.staff"), 90))
        items.append((_("Sign out"), url_for("identity_check.logout"), 91))
        return items
    return [(_("Sign in"), url_for("identity_check.login"), 90),
            (_("Register"), url_for("identity_check.register"), 90)]
