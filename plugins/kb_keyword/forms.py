"""Forms of the consultant page (flask-wtf: CSRF on)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from sep_core import lazy_gettext as _l

from .service import MAX_QUESTION


class AskForm(FlaskForm):
    question = TextAreaField(_l("Your question"), validators=[
        DataRequired(_l("Please type a question.")),
        Length(max=MAX_QUESTION, message=_l("The question is too long: at most 2000 characters."))])
    thread = HiddenField()
    """The conversation so far (see ``thread``): it travels with the form, not in a cookie."""


class PlainForm(FlaskForm):
    """A button with a CSRF token."""


class EntryActionForm(FlaskForm):
    entry_id = HiddenField(validators=[DataRequired()])


class EmailForm(FlaskForm):
    entry_id = HiddenField(validators=[DataRequired()])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(_l("Please enter a valid e-mail address.")),
                                                  Length(max=254)])
    code = StringField(_l("Code from the e-mail"), validators=[Optional(), Length(max=12)])
    """The code mailed to an address that is not the citizen's confirmed one (mailto.py)."""


class PhrasingForm(FlaskForm):
    question_id = HiddenField(validators=[DataRequired()])
    entry_id = StringField(_l("Entry number"), validators=[DataRequired(_l("Choose an entry."))])
