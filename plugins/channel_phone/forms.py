"""The journal's forms."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from sep_core import lazy_gettext as _l

REQUIRED = _l("This field is required.")
DURATION = re.compile(r"^\s*(?:(\d{1,3}):)?(\d{1,5})\s*$")


def parse_duration(value: str) -> int:
    """``m:ss`` or seconds -> seconds."""
    match = DURATION.match(value or "")
    if not match:
        raise ValueError(value)
    minutes, seconds = int(match.group(1) or 0), int(match.group(2))
    if match.group(1) is not None and seconds >= 60:
        raise ValueError(value)
    return minutes * 60 + seconds


class CallForm(FlaskForm):
    phone = StringField(_l("Caller's phone"), validators=[InputRequired(REQUIRED), Length(max=40)])
    topic = StringField(_l("Topic"), validators=[InputRequired(REQUIRED), Length(max=200)])
    outcome = SelectField(_l("Outcome"), choices=[], validate_choice=True, validators=[InputRequired(REQUIRED)])
    duration = StringField(_l("Duration (m:ss)"), default="0:00", validators=[Optional(), Length(max=10)])
    request_number = StringField(_l("Request number (if one was registered)"),
                                 validators=[Optional(), Length(max=20)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def validate_duration(self, field) -> None:
        try:
            parse_duration(field.data or "0")
        except ValueError:
            raise ValidationError(_l("Write the duration as minutes:seconds, e.g. 3:20.")) from None


class CompleteForm(FlaskForm):
    topic = StringField(_l("Topic"), validators=[InputRequired(REQUIRED), Length(max=200)])
    outcome = SelectField(_l("Outcome"), choices=[], validate_choice=True, validators=[InputRequired(REQUIRED)])
    request_number = StringField(_l("Request number (if one was registered)"),
                                 validators=[Optional(), Length(max=20)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class SimpleForm(FlaskForm):
    """A button: CSRF only."""
