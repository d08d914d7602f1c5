"""A small JSON-over-HTTP client for channels' platform APIs (in the facade: ``JsonHttp``).

Base URLs come from settings, so tests point clients at fake servers on 127.0.0.1. Network
failures (timeouts, refused connections) become temporary :class:`DeliveryError`s; HTTP error
statuses are returned to the caller, which knows the platform's error format. Error texts never
contain URLs or bodies (tokens travel in URLs on some platforms).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from .clock import now
from .errors import DeliveryError

USER_AGENT = "sep-helpdesk/0.1"


def retry_after_seconds(value: str | None, default: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date
    (RFC 9110 10.2.3), measured against the app's clock (so the frozen test clock applies).
    ``default`` when absent or unreadable; never negative."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - now()).total_seconds())
    except (TypeError, ValueError, IndexError):
        return default


@dataclass
class HttpResult:
    status: int
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def retry_after(self, default: float | None = None) -> float | None:
        """Seconds from a ``Retry-After`` header (delta or HTTP date), else ``default``."""
        return retry_after_seconds(self.headers.get("retry-after"), default)

    def raise_for_delivery(self, platform: str) -> None:
        """The usual reading of a platform's answer in ``send``: 2xx returns; 408, 429 and 5xx (or
        no answer) raise a temporary DeliveryError honouring ``Retry-After``; any other status
        raises a permanent one (retrying a 400 or 403 cannot help)."""
        if self.ok:
            return
        if self.status in (0, 408, 429) or self.status >= 500:
            raise DeliveryError(f"{platform} HTTP {self.status}", retry_after=self.retry_after())
        raise DeliveryError(f"{platform} HTTP {self.status}", permanent=True)


class JsonHttp:
    """``request(method, path, json=..., form=..., params=..., headers=...)`` -> :class:`HttpResult`."""

    def __init__(self, base_url: str, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)

    def request(self, method: str, path: str, *, json_body: Any = None, form: dict | None = None,
                params: dict | None = None, headers: dict[str, str] | None = None) -> HttpResult:
        url = self.base_url + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        data = None
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode()
            all_headers.setdefault("Content-Type", "application/json;charset=utf-8")
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if not url.startswith(("http://", "https://")):
            raise DeliveryError("API base URL must be http(s)", permanent=True)
        req = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:  # noqa: S310
                return HttpResult(response.status, _json(response.read()), _lower(response.headers))
        except urllib.error.HTTPError as exc:
            try:
                body = exc.read()
            except (OSError, ValueError):
                body = b""
            return HttpResult(exc.code, _json(body), _lower(exc.headers))
        except TimeoutError:
            raise DeliveryError("API timeout") from None
        except urllib.error.URLError as exc:
            reason = exc.reason if isinstance(exc.reason, str) else type(exc.reason).__name__
            raise DeliveryError(f"API unreachable: {reason}") from None
        except (OSError, ValueError) as exc:  # connection reset mid-response, bad status line
            raise DeliveryError(f"API connection failed: {type(exc).__name__}") from None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _lower(headers) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}
