"""Pages: ``/check`` (the citizen's checklist with live results) and the admins' staff page
``/staff/client-check`` where software requirements are defined."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from sep_core import ApiError, db, plugin_settings, utcnow_naive
from sep_core import gettext as _

from . import checklist
from .banner import browser_advice
from .definitions import all_definitions, config_definitions, validate
from .forms import ConfirmForm, RequirementForm
from .models import RequirementDefinition

blueprint = Blueprint("client_check", __name__, static_folder="static", static_url_path="/static/client_check")

PROBLEMS = {
    "key": lambda: _("Use 1-64 lowercase letters, digits, '-' or '_' (not 'browser')."),
    "name": lambda: _("A name is required."),
    "check": lambda: _("Choose how the requirement is checked."),
    "probe_type": lambda: _("Choose a probe type."),
    "probe_target": lambda: _("Give a global object path (such as cadesplugin) or a MIME type "
                              "(such as application/x-cades)."),
    "server_check": lambda: _("Choose a server-side check."),
    "download_url": lambda: _("Give an http:// or https:// address."),
    "timeout_ms": lambda: _("Give a timeout between 100 and %(max)s milliseconds.",
                            max=plugin_settings("client_check")["max_probe_timeout_ms"]),
    "scope": lambda: _("Choose who must meet the requirement."),
}


@blueprint.get("/check")
def check_page():
    browser = checklist.current_browser()
    items = checklist.build(current_user, browser)
    checklist.sync_server_results(current_user, browser, items)
    return render_template("client_check/check.html", browser=browser, items=items,
                           advice=browser_advice(browser), confirm_form=ConfirmForm())


@blueprint.post("/check/confirm")
def confirm():
    """The no-JavaScript way to confirm a requirement (the page's script uses the API)."""
    form = ConfirmForm()
    if not form.validate_on_submit() or form.outcome.data not in ("confirmed", "declined"):
        abort(400)
    try:
        checklist.post_results(current_user, checklist.current_browser(),
                               [{"id": form.requirement.data or "", "outcome": form.outcome.data}])
    except ApiError as exc:
        abort(exc.status if exc.status < 500 else 400)
    flash(_("Thank you, your answer is saved."), "info")
    return redirect(url_for("client_check.check_page"))


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (current_user.is_authenticated and current_user.has_role("admin")):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@blueprint.get("/staff/client-check")
@admin_required
def staff_list():
    rows = db.session.execute(db.select(RequirementDefinition).order_by(RequirementDefinition.id)).scalars().all()
    return render_template("client_check/staff_list.html", rows=rows, config_defs=config_definitions(),
                           settings=plugin_settings("client_check"))


def _form_values(form: RequirementForm) -> dict:
    return {
        "key": (form.key.data or "").strip(), "name": (form.name.data or "").strip(),
        "why": (form.why.data or "").strip(), "instructions": form.instructions.data or "",
        "download_url": (form.download_url.data or "").strip(), "check": form.check.data,
        "probe_type": form.probe_type.data or "", "probe_target": (form.probe_target.data or "").strip(),
        "server_check": form.server_check.data or "", "timeout_ms": form.timeout_ms.data,
        "scope": form.scope.data,
    }


def _save(form: RequirementForm, row: RequirementDefinition | None):
    if not form.validate_on_submit():
        return None
    values = _form_values(form)
    if values["timeout_ms"] is None:
        values["timeout_ms"] = int(plugin_settings("client_check")["probe_timeout_ms"])
    problems = validate(values, int(plugin_settings("client_check")["max_probe_timeout_ms"]))
    taken = {d.key for d in all_definitions(include_inactive=True)} - ({row.key} if row else set())
    if row is not None and values["key"] != row.key:
        # Results are stored under the identifier: renaming would orphan them.
        form.key.errors.append(_("The identifier cannot be changed."))
    elif "key" not in problems and values["key"] in taken:
        form.key.errors.append(_("A requirement with this identifier already exists."))
    for name in problems:
        getattr(form, name).errors.append(PROBLEMS[name]())
    if form.errors or any(f.errors for f in form):
        return None
    if row is None:
        row = RequirementDefinition()
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.active = bool(form.active.data)
    row.updated_at = utcnow_naive()
    db.session.commit()
    flash(_("The requirement is saved."), "info")
    return redirect(url_for("client_check.staff_list"))


@blueprint.route("/staff/client-check/new", methods=["GET", "POST"])
@admin_required
def staff_new():
    form = RequirementForm()
    return _save(form, None) or render_template("client_check/staff_form.html", form=form, row=None)


@blueprint.route("/staff/client-check/<int:row_id>", methods=["GET", "POST"])
@admin_required
def staff_edit(row_id: int):
    row = db.session.get(RequirementDefinition, row_id) if row_id < 2**31 else None
    if row is None:
        abort(404)
    form = RequirementForm(obj=row)
    return _save(form, row) or render_template("client_check/staff_form.html", form=form, row=row)


def nav_items(user) -> list[tuple[str, str]]:
    items = [(_("Check your computer"), url_for("client_check.check_page"))]
    if getattr(user, "is_authenticated", False) and user.has_role("admin"):
        items.append((_("Client requirements"), url_for("client_check.staff_list")))
    return items


@blueprint.after_app_request
def ask_for_client_hints(response):
    """Ask Chromium-based browsers for the full version and platform version next time."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Accept-CH", "Sec-CH-UA-Full-Version-List, Sec-CH-UA-Platform-Version")
    return response
