"""Where a webhook may go: ``http(s)://`` URLs only, and — unless the deployer sets
``allow_private_targets`` — no loopback, private, link-local, multicast or reserved address
(SSRF: an administrator's URL must not reach the centre's own internal services). The check runs
when a subscription is added and again before each attempt, against the addresses the name
resolves to then; the attempt connects to the address that was checked (no second resolution
a DNS rebinding could change), and redirects are never followed."""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass, field

MAX_URL = 2000


class TargetError(ValueError):
    """The URL can never be a target (``code`` says why: scheme, host, credentials, private,
    length, port)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: list[str] = field(default_factory=list)
    """The checked addresses (empty: the name did not resolve now)."""


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


def parse(url: str) -> Target:
    """Check the URL's form (no network): raises :class:`TargetError`."""
    url = (url or "").strip()
    if len(url) > MAX_URL:
        raise TargetError("length", f"the URL is longer than {MAX_URL} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise TargetError("host", "the URL contains spaces or control characters")
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetError("scheme", "only http:// and https:// URLs can receive webhooks")
    if parts.username is not None or parts.password is not None:
        raise TargetError("credentials", "the URL must not contain a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetError("host", "the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise TargetError("port", "the URL's port is not a number from 1 to 65535") from exc
    if port == 0:
        raise TargetError("port", "the URL's port is not a number from 1 to 65535")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, path=path)


def resolve(url: str, *, allow_private: bool) -> Target:
    """Parse and resolve: raises :class:`TargetError` for a forbidden URL or address. A name that
    does not resolve now gives a Target without addresses (the caller decides)."""
    target = parse(url)
    try:
        literal = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            infos = []
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        bad = [a for a in addresses if _forbidden(a)]
        if bad:
            raise TargetError("private", "the URL leads to a loopback, private or reserved address; "
                                         "the deployer may allow such targets (allow_private_targets)")
    target.addresses = addresses
    return target
