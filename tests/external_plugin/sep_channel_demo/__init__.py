"""sep-channel-demo: a third-party webhook channel for an imaginary "demo messenger".

This is the worked example of docs/writing_plugins.md: a separate distribution that registers
itself in the entry-point group ``sep_helpdesk.plugins`` under the name ``demo`` and is
enabled by that name in ``SEP_PLUGINS``.

Contributes:
- settings (``sep_config_defaults``): the webhook secret and the messenger's API address;
- the ``demo`` webhook channel at ``/hooks/demo`` (``sep_register_channels``).
"""

from sep_core import hookimpl, plugin_settings

from .channel import DemoChannel

__version__ = "1.0.0"


@hookimpl
def sep_config_defaults():
    return {
        "secret": "$env:DEMO_WEBHOOK_SECRET",  # HMAC-SHA256 key shared with the messenger (required)
        "api_url": "http://127.0.0.1:9/send",  # where replies are POSTed
        "timeout": 5,
    }


@hookimpl
def sep_register_channels(app):
    return [DemoChannel(app, plugin_settings("demo", app))]
