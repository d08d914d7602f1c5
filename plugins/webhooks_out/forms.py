"""The staff page's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.validators import InputRequired, Length

from sep_core import lazy_gettext as _l


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SubscriptionForm(FlaskForm):
    url = StringField(_l("Receiver URL"), validators=[InputRequired(_l("Give the receiver's URL.")), Length(max=2000)])
    description = StringField(_l("Description (optional)"), validators=[Length(max=200)])
    events = CheckboxesField(_l("Events"), choices=[], validate_choice=True)


class ButtonForm(FlaskForm):
    """A button: CSRF only."""
