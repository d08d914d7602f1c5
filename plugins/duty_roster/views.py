"""The roster page ``/desk/roster`` (desk staff see it; admins edit it) and the desk panel."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from sep_core import MOSCOW, User, audit, db
from sep_core import gettext as _
from sep_core import lazy_gettext as _l

from . import importer, roster
from .forms import ImportForm, NoteForm, ShiftForm, SimpleForm
from .models import Shift

blueprint = Blueprint("duty_roster", __name__, url_prefix="/desk/roster", static_folder="static",
                      static_url_path="/static")
ROLE_LABELS = {"duty": _l("Duty specialist"), "specialist": _l("Profile specialist")}
DAYS_SHOWN = 7


def desk_user() -> bool:
    return bool(current_user.is_authenticated) and current_user.role in roster.DESK_ROLES


def admin() -> bool:
    return bool(current_user.is_authenticated) and current_user.role == "admin"


@blueprint.before_request
def only_desk_staff():
    if not desk_user():
        abort(403)
    for values in (request.args, request.form):
        if any("\x00" in v for v in values.values()):
            abort(400)


def _staff_choices() -> list[tuple[str, str]]:
    users = db.session.execute(select(User).where(User.role.in_(roster.DESK_ROLES), User.active.is_(True))
                               .order_by(User.surname, User.id)).scalars()
    return [(str(u.id), f"{roster.display_name(u)} ({u.email or u.id})") for u in users]


def shift_form() -> ShiftForm:
    form = ShiftForm(prefix="shift")
    form.user.choices = [("", _("— choose —")), *_staff_choices()]
    form.role.choices = [(k, str(v)) for k, v in ROLE_LABELS.items()]
    form.profile.choices = [("", "—"), *[(k, v) for k, v in roster.profiles().items()]]
    return form


def _first_day():
    raw = request.args.get("from", "")[:10]
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date() if raw else roster.today()
    except ValueError:
        return roster.today()


def render_page(status: int = 200, errors=(), form: ShiftForm | None = None, import_form: ImportForm | None = None):
    first = _first_day()
    start = datetime.combine(first, datetime.min.time(), tzinfo=MOSCOW)
    rows = roster.shifts_between(start, start + timedelta(days=DAYS_SHOWN))
    mine = next((i.shift for i in roster.on_duty() if i.user.id == current_user.id), None)
    note_form = NoteForm(prefix="note")
    if mine is not None and request.method == "GET":
        note_form.note.data = mine.handover_note
    return render_template("duty_roster/roster.html", rows=rows, on_duty=roster.on_duty(), first=first,
                           previous=first - timedelta(days=DAYS_SHOWN), next=first + timedelta(days=DAYS_SHOWN),
                           role_labels=ROLE_LABELS, form=form or shift_form(),
                           import_form=import_form or ImportForm(prefix="import"), note_form=note_form,
                           mine=mine, delete_form=SimpleForm(), can_edit=admin(), errors=list(errors),
                           from_utc=roster.from_utc, name=roster.display_name,
                           profile_names=roster.profiles()), status


@blueprint.get("")
@blueprint.get("/")
def page():
    return render_page()


@blueprint.post("/shifts")
def add():
    if not admin():
        abort(403)
    form = shift_form()
    if not form.validate_on_submit():
        return render_page(400, form=form)
    user = db.session.get(User, int(form.user.data))
    begin, end = roster.span(form.day.data, form.start.data, form.end.data)
    try:
        shift = roster.add_shift(user, form.role.data, form.profile.data or "", begin, end, current_user)
    except roster.RosterError as exc:
        db.session.rollback()
        return render_page(400, [str(exc)], form=form)
    audit(current_user, "roster_shift_added", "shift", str(shift.id), reason=f"user {user.id}")
    db.session.commit()
    flash(_("The shift is added."), "success")
    return redirect(url_for("duty_roster.page", **{"from": begin.date().isoformat()}))


@blueprint.post("/shifts/<int:shift_id>/delete")
def delete(shift_id: int):
    if not admin():
        abort(403)
    if not SimpleForm().validate_on_submit():
        abort(400)
    shift = db.session.get(Shift, shift_id) if 0 < shift_id < 2**31 else None
    if shift is None:
        abort(404)
    db.session.delete(shift)
    audit(current_user, "roster_shift_deleted", "shift", str(shift_id))
    db.session.commit()
    flash(_("The shift is deleted."), "success")
    return redirect(url_for("duty_roster.page"))


@blueprint.post("/import")
def import_csv():
    if not admin():
        abort(403)
    form = ImportForm(prefix="import")
    upload = request.files.get(form.file.name)
    if not form.validate_on_submit() or upload is None or not upload.filename:
        if not form.file.errors:
            form.file.errors = [_("Choose a CSV file.")]
        return render_page(400, import_form=form)
    try:
        added = importer.import_csv(upload.read(importer_limit() + 1), current_user)
    except importer.ImportError_ as exc:
        return render_page(400, exc.errors, import_form=form)
    audit(current_user, "roster_imported", "shift", "", reason=f"{added} shifts")
    db.session.commit()
    flash(_("Shifts imported: %(count)s.", count=added), "success")
    return redirect(url_for("duty_roster.page"))


def importer_limit() -> int:
    from sep_core import plugin_settings

    return int(plugin_settings("duty_roster")["import_max_bytes"])


@blueprint.post("/note")
def note():
    mine = next((i.shift for i in roster.on_duty() if i.user.id == current_user.id), None)
    form = NoteForm(prefix="note")
    if mine is None:
        return render_page(400, [_("You are not on shift now.")])
    if not form.validate_on_submit():
        return render_page(400, [_("The note is too long.")])
    mine.handover_note = (form.note.data or "").strip()
    db.session.commit()
    flash(_("The handover note is saved."), "success")
    return redirect(url_for("duty_roster.page"))


def desk_panel(user) -> list[Markup]:
    """"On duty now" on the request desk."""
    if not getattr(user, "is_authenticated", False) or user.role not in roster.DESK_ROLES:
        return []
    html = render_template("duty_roster/_panel.html", on_duty=roster.on_duty(), role_labels=ROLE_LABELS,
                           name=roster.display_name, locale=str(get_locale() or "ru"),
                           profile_names=roster.profiles())
    return [Markup(html)]  # noqa: S704 - an autoescaped template
