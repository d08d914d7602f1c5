"""The home page: phone (hours, open or closed now), the online consultant, the request
service, the social communities. Hours and the response target come from ``sep_service_schedule``
(see :mod:`.schedule`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, render_template
from markupsafe import Markup, escape

from sep_core import availability, now, plugin_settings
from sep_core import gettext as _

from . import schedule

blueprint = Blueprint("channel_web", __name__)

NETWORK_NAMES = {
    "vk": "ВКонтакте", "ok": "Одноклассники", "telegram": "Telegram", "max": "MAX",
    "facebook": "Facebook", "instagram": "Instagram", "x": "X", "youtube": "YouTube",
}


def safe_social_links() -> list[dict[str, str]]:
    """Only http(s) links from config are shown (a typo must not become a javascript: link)."""
    links = []
    for item in plugin_settings("channel_web")["social_links"]:
        url = str(item.get("url", ""))
        if urlsplit(url).scheme in ("http", "https"):
            network = str(item.get("network", ""))
            links.append({"url": url, "name": NETWORK_NAMES.get(network, network or url)})
    return links


@blueprint.get("/")
def home():
    at = now()
    settings = plugin_settings("channel_web")
    return render_template(
        "channel_web/home.html",
        phone=availability("phone", at),
        bot=availability("bot", at),
        tickets=availability("tickets", at),
        phone_number=settings["phone"],
        phone_display=settings["phone_display"],
        social_links=safe_social_links(),
        # The regular hours and the response target as the calendar plugin has them configured
        # (None: no plugin knows them, the template falls back to the standard wording).
        phone_hours=schedule.hours_text("phone"),
        bot_hours=schedule.hours_text("bot", quiet_if_always_open=True),
        response_target=schedule.response_text(),
        request_due=schedule.due_if_filed(at),
        at=at,
    )


def footer() -> list[Markup]:
    """The footer of every page: the phone and its hours, the communities, the consent text."""
    settings = plugin_settings("channel_web")
    html = render_template("channel_web/_footer.html", phone_number=settings["phone"],
                           phone_display=settings["phone_display"], phone_hours=schedule.hours_text("phone"),
                           social_links=safe_social_links())
    return [Markup(html)]  # noqa: S704 - a rendered (autoescaped) template


def nav_items() -> list[tuple[str, str]]:
    return [(_("Home"), "/", 0)]


def announcement_banner() -> list[Markup]:
    text = plugin_settings("channel_web")["announcement"]
    if not text:
        return []
    return [Markup('<div class="banner" role="note">{}</div>').format(escape(text))]
