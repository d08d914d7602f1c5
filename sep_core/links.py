"""Absolute links for e-mails, SMS and chats (issue 17): from ``SEP_PUBLIC_URL``; when a
production deployer left it unset, from the address the citizen used for the page that caused the
message (the proxy-aware host), never ``127.0.0.1:5000``. Secret links (password reset) never
trust the request's Host header: without ``SEP_PUBLIC_URL`` they are given as a path."""

from __future__ import annotations

from flask import current_app, has_request_context, request


def public_url(path: str = "", *, secret: bool = False) -> str:
    base = (current_app.config.get("SEP_PUBLIC_URL") or "").rstrip("/")
    if not base and has_request_context() and not secret:
        base = request.host_url.rstrip("/")
    return base + "/" + path.lstrip("/")
