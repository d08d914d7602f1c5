"""Accessors for the current app's core state (plugin settings, the plugin manager)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from .clock import to_moscow


def current_state():
    """The core's per-app state (``app.extensions["sep"]``)."""
    return current_app.extensions["sep"]


def plugin_settings(name: str) -> dict[str, Any]:
    """A plugin's settings: its declared defaults merged with ``SEP_PLUGIN_CONFIG[name]``."""
    return current_state().settings(name)


def deadline(service: str, start: datetime, hours: float) -> datetime:
    """When ``hours`` of the service's working time will have passed after ``start``."""
    return to_moscow(current_state().pm.hook.sep_deadline(service=service, start=to_moscow(start), hours=hours))
