"""What channel_social's networks say beyond the core's chat texts (translated; Russian by default)."""

from __future__ import annotations

from sep_core import gettext as _


def vk_no_messages_subject() -> str:
    return _("A reply from the support service")


def vk_no_messages_body(text: str, request_url: str) -> str:
    return (_("We could not reply to you on VK because messages from the community are not allowed in "
              "your settings. Our reply:") + "\n\n" + text + "\n\n"
            + _("You can also file a request: %(url)s", url=request_url))
