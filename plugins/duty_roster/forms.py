"""The roster page's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, FileField, SelectField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from sep_core import lazy_gettext as _l

REQUIRED = _l("This field is required.")


class ShiftForm(FlaskForm):
    user = SelectField(_l("Staff member"), choices=[], validate_choice=True, validators=[InputRequired(REQUIRED)])
    role = SelectField(_l("Role on the shift"), choices=[], validate_choice=True,
                       validators=[InputRequired(REQUIRED)])
    profile = SelectField(_l("Specialist profile (specialists only)"), choices=[], validate_choice=True)
    day = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    start = TimeField(_l("From (Moscow time)"), validators=[InputRequired(REQUIRED)])
    end = TimeField(_l("To (Moscow time)"), validators=[InputRequired(REQUIRED)])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[InputRequired(REQUIRED)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Handover note for the next shift"), validators=[Optional(), Length(max=2000)])


class SimpleForm(FlaskForm):
    """A button: CSRF only."""
