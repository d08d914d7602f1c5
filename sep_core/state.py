"""Accessors for the current app's core state (plugin settings, the plugin manager)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Flask, current_app

from .clock import to_moscow


def current_state():
    """The core's per-app state (``app.extensions["sep"]``)."""
    return current_app.extensions["sep"]


def plugin_settings(name: str, app: Flask | None = None) -> dict[str, Any]:
    """A plugin's settings: its declared defaults merged with ``SEP_PLUGIN_CONFIG[name]``."""
    state = app.extensions["sep"] if app is not None else current_state()
    return state.settings(name)


def send_code(user, channel: str, code: str, purpose: str) -> bool:
    """Ask the plugins to deliver a one-time code; False when no plugin can use that channel."""
    return bool(current_state().pm.hook.sep_send_code(user=user, channel=channel, code=code, purpose=purpose))


def identity_channels(user) -> list[str]:
    """Channels that can deliver a code to the user, in plugin order, without repeats."""
    names: list[str] = []
    for group in current_state().pm.hook.sep_identity_channels(user=user):
        names.extend(n for n in group or [] if n not in names)
    return names


def client_requirements(request, user) -> list:
    """Every plugin's requirements for the citizen's browser or computer."""
    return [r for group in current_state().pm.hook.sep_client_requirements(request=request, user=user)
            for r in group or []]


def deadline(service: str, start: datetime, hours: float) -> datetime:
    """When ``hours`` of the service's working time will have passed after ``start``."""
    return to_moscow(current_state().pm.hook.sep_deadline(service=service, start=to_moscow(start), hours=hours))


def service_schedule(service: str) -> dict[str, Any] | None:
    """The service's regular schedule from the first plugin that knows it (``sep_service_schedule``),
    as a new dict; None when no plugin answers (or the answer is not a mapping)."""
    schedule = current_state().pm.hook.sep_service_schedule(service=service)
    return dict(schedule) if isinstance(schedule, Mapping) else None
