"""sep-chatly: the Chatly messenger as a chat channel of SEP Help Desk.

Contributes:
- settings (``sep_config_defaults``): the bot's token and webhook secret, the API address;
- the ``chatly`` channel at ``/hooks/chatly`` (``sep_register_channels``), a
  ``ConversationalChannel``: conversations shown to staff, account linking, requests opened for
  linked citizens and the send rate come from the core.
"""

from sep_core import hookimpl, plugin_settings

from .channel import ChatlyChannel

__version__ = "0.1.0"


@hookimpl
def sep_config_defaults():
    return {
        "token": "$env:CHATLY_TOKEN",    # the bot's API token; unset stops start-up, naming it
        "secret": "$env:CHATLY_SECRET",  # Chatly sends it in X-Chatly-Secret with every event
        "api_url": "https://api.chatly.example",
        "timeout": 10,                   # seconds per API call
    }


@hookimpl
def sep_register_channels(app):
    return [ChatlyChannel(app, plugin_settings("chatly", app))]
