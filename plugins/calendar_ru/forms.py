"""Staff forms (flask-wtf: CSRF on)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from sep_core import lazy_gettext as _l

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older WTForms
    def _Choice(value, label):
        return (value, label)


def choice(value: str, label) -> object:
    return _Choice(value, label)


KIND_LABELS = [
    choice("day_off", _l("Extra day off")),
    choice("working_day", _l("Working day")),
    choice("short_day", _l("Short (pre-holiday) day")),
    choice("hours", _l("Different hours")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OverrideForm(FlaskForm):
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    kind = SelectField(_l("Kind"), choices=KIND_LABELS, validators=[DataRequired()])
    hours = StringField(_l("Hours (for different hours), e.g. 06:00-12:00, 13:00-18:00; empty = closed"),
                        validators=[Optional(), Length(max=200)])
    services = MultiCheckboxField(_l("Services (for different hours; none = all)"), choices=[],
                                  validators=[Optional()])
    reason = TextAreaField(_l("Reason (published)"), validators=[
        DataRequired(message=_l("Enter the reason.")), Length(max=2000)])
    act = StringField(_l("Act that set it"), validators=[Optional(), Length(max=300)])
    published = BooleanField(_l("Publish the reason on the calendar page"), default=True)


class WindowForm(FlaskForm):
    start = DateTimeLocalField(_l("Start (Moscow time)"), format="%Y-%m-%dT%H:%M",
                               validators=[InputRequired(message=_l("Enter the start."))])
    end = DateTimeLocalField(_l("End (Moscow time)"), format="%Y-%m-%dT%H:%M",
                             validators=[InputRequired(message=_l("Enter the end."))])
    services = MultiCheckboxField(_l("Services affected"), choices=[],
                                  validators=[DataRequired(message=_l("Choose at least one service."))])
    message = TextAreaField(_l("Message for citizens (Russian)"), validators=[
        DataRequired(message=_l("Enter the message.")), Length(max=2000)])
    message_en = TextAreaField(_l("Message for citizens (English)"), validators=[Optional(), Length(max=2000)])


class YearForm(FlaskForm):
    file = FileField(_l("Production calendar of a year (JSON, the shape of the shipped years)"),
                     validators=[FileRequired(message=_l("Choose a file."))])


class DeleteForm(FlaskForm):
    """Only the CSRF token."""
