"""``N_`` marks a message id for extraction (``sep i18n update``) without translating it here."""


def N_(message: str) -> str:
    return message
