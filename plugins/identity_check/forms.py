"""Web forms (Flask-WTF: CSRF on). The JSON API validates through the same classes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import ValidationError

from sep_core import lazy_gettext as _l
from sep_core import plugin_settings

from .validation import check_password, clean_email, clean_name, clean_phone, has_control_chars

CODE_MAX = 20
LOGIN_MAX = 300


try:  # WTForms 3.3 wants SelectChoice objects; older versions take (value, label) pairs
    from wtforms.fields.choices import SelectChoice

    def choice(value: str, label) -> object:
        return SelectChoice(value, label)
except ImportError:  # pragma: no cover - WTForms < 3.3
    def choice(value: str, label) -> object:
        return (value, label)


def _values(field) -> set:
    return {getattr(c, "value", None) or c[0] for c in field.choices or []}


class ChoiceRadio(RadioField):
    """Refuses an unknown value with this plugin's translated message."""

    def pre_validate(self, form):
        if self.data not in _values(self):
            raise ValidationError(_l("Not a valid choice."))


class ChoiceSelect(SelectField):
    def pre_validate(self, form):
        if self.data not in _values(self):
            raise ValidationError(_l("Not a valid choice."))


class ChoiceMultiSelect(SelectMultipleField):
    def pre_validate(self, form):
        if any(value not in _values(self) for value in self.data or []):
            raise ValidationError(_l("Not a valid choice."))


def _settings() -> dict:
    return plugin_settings("identity_check")


class CleaningForm(FlaskForm):
    """Validators store the cleaned value in ``form.cleaned[name]``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cleaned: dict = {}

    def _clean(self, field, function, *args, **kwargs):
        try:
            self.cleaned[field.short_name] = function(field.data, *args, **kwargs)
        except ValueError as exc:
            raise ValidationError(exc.args[0]) from exc


def _text(field) -> str:
    return field.data if isinstance(field.data, str) else ""


class RegisterForm(CleaningForm):
    surname = StringField(_l("Surname"))
    first_name = StringField(_l("First name"))
    patronymic = StringField(_l("Patronymic (if any)"))
    phone = StringField(_l("Mobile phone"))
    email = StringField(_l("E-mail"))
    password = PasswordField(_l("Password"))
    consent = BooleanField(_l("I consent to the processing of my personal data (Federal Law 152-FZ)"))

    def validate_surname(self, field):
        self._clean(field, clean_name)

    def validate_first_name(self, field):
        self._clean(field, clean_name)

    def validate_patronymic(self, field):
        self._clean(field, clean_name, required=False)

    def validate_phone(self, field):
        self._clean(field, clean_phone, _settings()["phone_region"])

    def validate_email(self, field):
        self._clean(field, clean_email)

    def validate_password(self, field):
        personal = (_text(self.surname), _text(self.first_name), _text(self.email).split("@")[0],
                    "".join(c for c in _text(self.phone) if c.isdigit())[-7:])
        self._clean(field, check_password, min_length=int(_settings()["password_min_length"]),
                    max_length=int(_settings()["password_max_length"]), personal=personal)

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(_l("Registration is possible only with your consent."))


def _clean_code(value) -> str:
    value = "".join((value or "").split()) if isinstance(value, str) else ""
    if not value:
        raise ValueError(_l("Enter the code."))
    if len(value) > CODE_MAX or not value.isascii() or not value.isdigit() or len(value) != 6:
        raise ValueError(_l("The code is 6 digits."))
    return value


class CodeForm(CleaningForm):
    channel = ChoiceRadio(_l("Channel"), choices=[choice("email", _l("E-mail")), choice("sms", _l("SMS"))])
    code = StringField(_l("Code"))

    def validate_code(self, field):
        self._clean(field, _clean_code)


class ResendForm(FlaskForm):
    channel = ChoiceRadio(_l("Channel"), choices=[choice("email", _l("E-mail")), choice("sms", _l("SMS"))])


def _clean_login(value) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        raise ValueError(_l("This field is required."))
    if len(value) > LOGIN_MAX or has_control_chars(value):
        raise ValueError(_l("Enter your e-mail or phone number."))
    return value


def _clean_secret(value) -> str:
    value = value if isinstance(value, str) else ""
    if not value:
        raise ValueError(_l("This field is required."))
    if len(value) > 1024:
        raise ValueError(_l("No more than %(n)s characters.", n=1024))
    return value


class LoginForm(CleaningForm):
    login = StringField(_l("E-mail or phone"))
    password = PasswordField(_l("Password"))
    remember = BooleanField(_l("Remember me on this computer"))

    def validate_login(self, field):
        self._clean(field, _clean_login)

    def validate_password(self, field):
        self._clean(field, _clean_secret)


class ResetRequestForm(CleaningForm):
    email = StringField(_l("E-mail"))

    def validate_email(self, field):
        self._clean(field, clean_email)


class NewPasswordForm(CleaningForm):
    password = PasswordField(_l("New password"))
    password2 = PasswordField(_l("New password again"))

    def validate_password(self, field):
        self._clean(field, check_password, min_length=int(_settings()["password_min_length"]),
                    max_length=int(_settings()["password_max_length"]))

    def validate_password2(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The passwords do not match."))


class PasswordChangeForm(NewPasswordForm):
    current = PasswordField(_l("Current password"))

    def validate_current(self, field):
        self._clean(field, _clean_secret)


class ContactChangeForm(CleaningForm):
    channel = ChoiceRadio(_l("What to change"), default="email",
                          choices=[choice("email", _l("E-mail")), choice("sms", _l("Mobile phone"))])
    value = StringField(_l("New e-mail or phone"))
    password = PasswordField(_l("Current password"))

    def validate_value(self, field):
        if self.channel.data == "sms":
            self._clean(field, clean_phone, _settings()["phone_region"])
        else:
            self._clean(field, clean_email)

    def validate_password(self, field):
        self._clean(field, _clean_secret)


class DeleteForm(CleaningForm):
    password = PasswordField(_l("Current password"))
    confirm = BooleanField(_l("I understand that this cannot be undone"))

    def validate_password(self, field):
        self._clean(field, _clean_secret)

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Tick the box to confirm."))


class IdentityCodeForm(CleaningForm):
    code = StringField(_l("Code"))

    def validate_code(self, field):
        self._clean(field, _clean_code)


class StaffForm(CleaningForm):
    email = StringField(_l("E-mail of the account"))
    role = ChoiceSelect(_l("Role"))
    profiles = ChoiceMultiSelect(_l("Specialist profiles"))

    def validate_email(self, field):
        self._clean(field, clean_email)
