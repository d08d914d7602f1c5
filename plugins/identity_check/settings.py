"""identity_check settings and their defaults (override under SEP_PLUGIN_CONFIG["identity_check"])."""

from .messages import N_

DEFAULTS = {
    # Contacts a citizen must confirm before filing requests: any of "email", "sms".
    "required_confirmations": ["email", "sms"],
    # One-time codes: lifetime, wrong attempts before the code is void, wait before a resend.
    "code_ttl_minutes": 10,
    "code_max_attempts": 5,
    "resend_cooldown_seconds": 60,
    # Password reset links sent by e-mail: lifetime in minutes (single use).
    "reset_ttl_minutes": 30,
    # Passwords: minimum and maximum length (the core's minimum is 12).
    "password_min_length": 12,
    "password_max_length": 256,
    # The version of the personal-data consent text (152-FZ) recorded with each registration.
    "consent_version": "2026-03-01",
    # "Remember me" lifetime in days.
    "remember_days": 30,
    # Region used to read phone numbers written without a country code (8 ... is Russian).
    "phone_region": "RU",
    # Throttling: [attempts, window in seconds] per account and per IP address.
    # Sign-in failures count per (account, client address) — a 15-minute and a day window — and
    # per account; over the account's ceiling only clients that already failed on it are stopped,
    # so nobody can lock the owner out by sending wrong passwords (docs: "Sign-in throttling").
    "login_per_client": [5, 900],
    "login_per_client_day": [30, 86400],
    "login_per_account": [10, 900],
    "login_per_ip": [50, 900],
    "register_per_ip": [20, 3600],
    "reset_per_account": [3, 3600],
    "reset_per_ip": [20, 3600],
    "confirm_per_ip": [60, 900],
    "resend_per_account": [10, 3600],
    # What happens to a deleted citizen's requests: "anonymise" keeps them without personal
    # data (the retention rule), "delete" removes them. Passed to sep_on_user_deleted.
    "requests_retention": "anonymise",
    # Specialist profiles offered on the staff page when no plugin manages a list
    # (sep_specialist_profiles, e.g. tickets): key -> label (English msgid).
    "specialist_profiles": {
        "registration_data": N_("Registration data"),
        "tech_support": N_("Technical support"),
    },
}
