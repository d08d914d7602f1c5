"""Exceptions of the public facade."""


class SepError(Exception):
    """Base class for errors raised by the core."""


class ConfigError(SepError):
    """The configuration cannot start an app: the message says what to fix."""


class DeliveryError(SepError):
    """An outbound delivery failed; ``permanent`` says whether retrying can help.

    ``defer=True``: nothing was sent because the sender held the delivery back itself (its own
    rate limit); the row waits ``retry_after`` seconds and the attempt is not counted."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None,
                 defer: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.defer = defer


class ApiError(SepError):
    """Raised by API views to answer ``{"error": {"code", "message"}}`` with a 4xx status."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
