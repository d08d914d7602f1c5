"""Messages of the account flows, by error code (English msgids, translated in the catalog)."""


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


MESSAGES = {
    "not_signed_in": N_("Sign in or register first."),
    "already_confirmed": N_("This contact is already confirmed."),
    "wrong_code": N_("Wrong code. Attempts left: %(n)s."),
    "code_void": N_("Too many wrong attempts: this code no longer works. Request a new one."),
    "code_expired": N_("The code has expired. Request a new one."),
    "code_none": N_("There is no valid code. Request a new one."),
    "cooldown": N_("A new code can be sent in %(wait)s s."),
    "invalid_credentials": N_("Wrong e-mail, phone or password."),
    "wrong_password": N_("Wrong password."),
    "same_contact": N_("This is already your current contact."),
    "contact_unavailable": N_("This contact cannot be used. Choose another one."),
    "throttled": N_("Too many attempts. Please wait a little and try again."),
    "reset_invalid": N_("The link is invalid or has expired. Request a new one."),
}
