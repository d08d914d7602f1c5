"""Forms: the staff page's requirement form and the citizen's confirmation button."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from sep_core import lazy_gettext as _l

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older WTForms
    def _Choice(value, label):
        return (value, label)


def choices(*pairs) -> list:
    return [_Choice(value, label) for value, label in pairs]


class RequirementForm(FlaskForm):
    key = StringField(_l("Identifier"), validators=[Length(max=64)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    why = TextAreaField(_l("Why it is needed"), validators=[Length(max=2000)])
    instructions = TextAreaField(_l("Instructions (Markdown)"), validators=[Length(max=20000)])
    download_url = StringField(_l("Download link"), validators=[Length(max=500)])
    check = SelectField(_l("How it is checked"), choices=choices(
        ("probe", _l("Browser-side probe")), ("server", _l("Server-side check")),
        ("confirm", _l("The citizen confirms"))))
    probe_type = SelectField(_l("Probe type"), choices=choices(
        ("", "—"), ("global", _l("A global object is present")),
        ("promise", _l("A global promise resolves")), ("mime_type", _l("A MIME type is registered"))))
    probe_target = StringField(_l("Probe target"), validators=[Length(max=200)])
    server_check = SelectField(_l("Server-side check"), choices=choices(
        ("", "—"), ("browser", _l("A supported browser")), ("https", _l("A secure (HTTPS) connection")),
        ("cookies", _l("Cookies are enabled")), ("desktop", _l("A desktop computer"))))
    timeout_ms = IntegerField(_l("Probe timeout, milliseconds"), default=3000, validators=[Optional()])
    scope = SelectField(_l("Who must meet it"), choices=choices(
        ("everyone", _l("Every citizen")), ("on_request", _l("Only when staff ask for it"))))
    active = BooleanField(_l("Active"), default=True)


class ConfirmForm(FlaskForm):
    requirement = HiddenField()
    outcome = HiddenField()
