"""Forms (flask-wtf, CSRF on). Messages are lazy so they follow the page's language."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from sep_core import lazy_gettext as _l

PHONE = Regexp(r"^\+?[0-9 ()\-]{5,20}$", message=_l("Enter the phone number in digits, e.g. +7 916 123-45-67."))
REQUIRED = _l("This field is required.")


class ContactFields:
    surname = StringField(_l("Surname"), validators=[DataRequired(REQUIRED), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    patronymic = StringField(_l("Patronymic (if any)"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(message=_l("Enter a valid e-mail address.")),
                                                  Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), PHONE])


class TicketForm(ContactFields, FlaskForm):
    category = SelectField(_l("Reason"), validators=[InputRequired(REQUIRED)], validate_choice=True,
                           choices=[])
    subject = StringField(_l("Subject"), validators=[DataRequired(REQUIRED), Length(min=3, max=200)])
    description = TextAreaField(_l("Describe your question"),
                                validators=[DataRequired(REQUIRED), Length(min=10, max=20000)])
    attachments = MultipleFileField(_l("Attachments (document scans)"))
    pending = HiddenField()
    form_token = HiddenField()
    """One per form shown: sending the form again (a retry, a double click, the back button)
    returns the request already filed with it instead of filing another."""

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not (self.email.data or "").strip() and not (self.phone.data or "").strip():
            self.email.errors.append(_l("Give an e-mail or a phone number for the answer."))
            ok = False
        return ok


class PhoneTicketForm(TicketForm):
    citizen = StringField(_l("Citizen's account (e-mail or phone), if registered"),
                          validators=[Optional(), Length(max=254)])


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(REQUIRED), Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"))
    pending = HiddenField()


class SimpleForm(FlaskForm):
    """Buttons with no fields (take, close, reopen, done): CSRF only."""


class StaffTextForm(FlaskForm):
    body = TextAreaField(_l("Text"), validators=[DataRequired(REQUIRED), Length(max=20000)])


class StaffReplyForm(FlaskForm):
    body = TextAreaField(_l("Answer to the citizen"), validators=[DataRequired(REQUIRED), Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"))


class IdentityForm(FlaskForm):
    channel = SelectField(_l("Channel for the code"), choices=[], validators=[InputRequired(REQUIRED)])
    reason = StringField(_l("Reason (shown to staff only)"), validators=[Optional(), Length(max=300)])


class RequirementForm(FlaskForm):
    requirement_ids = SelectMultipleField(_l("Requirements"), choices=[], validate_choice=True)
    text = TextAreaField(_l("Or describe what the citizen must do"), validators=[Optional(), Length(max=500)])


class EscalateForm(FlaskForm):
    profile = SelectField(_l("Specialist profile"), choices=[], validate_choice=True,
                          validators=[InputRequired(REQUIRED)])
    assignee = SelectField(_l("Specialist (optional)"), choices=[], validate_choice=True)
    reason = TextAreaField(_l("Reason for the escalation"), validators=[DataRequired(REQUIRED), Length(max=2000)])


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), choices=[], validate_choice=True, validators=[InputRequired(REQUIRED)])


class EditForm(ContactFields, FlaskForm):
    category = SelectField(_l("Reason"), choices=[], validate_choice=True)
    subject = StringField(_l("Subject"), validators=[DataRequired(REQUIRED), Length(min=3, max=200)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(REQUIRED), Length(max=20000)])


class ProfileForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=60),
                                              Regexp(r"^[a-z0-9_]+$", message=_l("Use lower-case letters, digits "
                                                                                 "and _."))])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(REQUIRED), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(REQUIRED), Length(max=120)])
    position = IntegerField(_l("Position"), default=0, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)


class CannedForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(REQUIRED), Length(max=20000)])


class CategoryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=40),
                                              Regexp(r"^[a-z0-9_]+$", message=_l("Use lower-case letters, digits "
                                                                                 "and _."))])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(REQUIRED), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(REQUIRED), Length(max=120)])
    queue = StringField(_l("Queue"), default="duty", validators=[DataRequired(REQUIRED), Length(max=40),
                                                                 Regexp(r"^[a-z0-9_]+$")])
    profile = SelectField(_l("Specialist profile (empty: the queue)"), choices=[], validate_choice=True)
    position = IntegerField(_l("Position"), default=0, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
