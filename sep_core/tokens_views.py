"""The administrators' page of API tokens: create one for a staff or service account (the token
is shown once, on the answer to the form, never stored or put in the session), list, revoke."""

from __future__ import annotations

import contextlib

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .accounts import normalise_email
from .extensions import db
from .i18n import gettext as _
from .i18n import lazy_gettext as _l
from .models import ApiToken, User
from .tokens import SCOPES, TokenError, create_token, describe, revoke_token

blueprint = Blueprint("sep_tokens", __name__)


class TokenForm(FlaskForm):
    email = StringField(_l("Staff or service account (e-mail)"),
                        validators=[DataRequired(_l("Enter the account's e-mail.")), Length(max=254)])
    name = StringField(_l("What the token is for"), validators=[Optional(), Length(max=100)])
    scopes = SelectMultipleField(_l("Scopes"), choices=[(s, s) for s in SCOPES], validate_choice=True,
                                 option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False))
    expires_days = IntegerField(_l("Expires after (days, empty: never)"),
                                validators=[Optional(), NumberRange(min=1, max=3650)])


class RevokeForm(FlaskForm):
    pass


def _admin() -> None:
    if not getattr(current_user, "is_authenticated", False):
        abort(401)
    if current_user.role != "admin":
        abort(403)


def nav_items(user) -> list[tuple[str, str]]:
    if user is not None and getattr(user, "is_authenticated", False) and user.role == "admin":
        return [(_("API tokens"), url_for("sep_tokens.tokens"), 90)]
    return []


@blueprint.route("/staff/tokens", methods=["GET", "POST"])
def tokens():
    _admin()
    form = TokenForm()
    created, errors = None, []
    if form.validate_on_submit():
        user = None
        with contextlib.suppress(ValueError):  # not an address: no such account
            user = db.session.execute(db.select(User).filter_by(email=normalise_email(form.email.data))
                                      ).scalar_one_or_none()
        if user is None:
            errors.append(_("There is no staff account with this e-mail."))
        elif not form.scopes.data:
            errors.append(_("Choose at least one scope."))
        else:
            try:
                row, plain = create_token(user, form.scopes.data, expires_days=form.expires_days.data,
                                          name=form.name.data or "", created_by=current_user)
            except TokenError:
                db.session.rollback()
                errors.append(_("API tokens are only for active staff and service accounts."))
            else:
                created = {"id": row.id, "token": plain}
                form = TokenForm(formdata=None)
    elif form.is_submitted():
        errors.extend(f"{getattr(form, name).label.text}: {msg}" for name, msgs in form.errors.items()
                      for msg in msgs if name != "csrf_token")
        if "csrf_token" in form.errors:
            errors.append(_("The page has expired; reload it and try again."))
    rows = [describe(r) for r in db.session.execute(db.select(ApiToken).order_by(ApiToken.id.desc())).scalars()]
    status = 400 if errors else 200
    return render_template("sep/tokens/tokens.html", form=form, rows=rows, created=created, errors=errors,
                           revoke_form=RevokeForm()), status


@blueprint.post("/staff/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    _admin()
    if not RevokeForm().validate_on_submit():
        abort(400)
    row = db.session.get(ApiToken, token_id)
    if row is None:
        abort(404)
    revoke_token(row, current_user)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("sep_tokens.tokens"))
