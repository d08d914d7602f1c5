"""The outdated-browser banner and the advice text it shares with /check. It never blocks
anything: the consultant and every page keep working in any browser."""

from __future__ import annotations

from flask import has_request_context, request, url_for
from markupsafe import Markup, escape

from sep_core import API_PREFIX, plugin_settings
from sep_core import gettext as _

from . import browser as browsers
from .definitions import safe_url


def update_links(families: list[str]) -> Markup:
    links = plugin_settings("client_check")["update_links"]
    parts = [Markup('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>')
             .format(links[f], browsers.DISPLAY_NAMES.get(f, f))
             for f in families if safe_url(str(links.get(f, "")))]
    return Markup(", ").join(parts)


def browser_advice(browser: browsers.Browser) -> Markup:
    """What to do about the browser (empty when nothing is to be done)."""
    if browser.verdict == browsers.OUTDATED:
        # The catalog text is ours; every value put into it is escaped first.
        text = Markup(_("Your browser %(name)s %(version)s is out of date. Update it to version %(minimum)s "  # noqa: S704
                        "or newer:", name=escape(browser.display_name), version=escape(browser.version or "?"),
                        minimum=escape(browser.minimum or "?")))
        links = update_links([browser.family]) if browser.family else Markup("")
        return Markup("{} {}").format(text, links)
    if browser.verdict == browsers.UNSUPPORTED:
        text = Markup(_("%(name)s is not supported. Install a current browser:",  # noqa: S704
                        name=escape(browser.display_name)))
        families = [f for f in ("yandex", "chrome", "firefox", "edge", "opera", "safari")
                    if plugin_settings("client_check")["minimum_versions"].get(f)]
        return Markup("{} {}").format(text, update_links(families))
    return Markup("")


def banners() -> list[Markup]:
    """The banner for the current request, if its browser is outdated or unsupported."""
    if not has_request_context() or request.path.startswith(API_PREFIX):
        return []
    if not plugin_settings("client_check")["banner"]:
        return []
    from .checklist import current_browser

    browser = current_browser()
    if browser.verdict not in (browsers.OUTDATED, browsers.UNSUPPORTED):
        return []
    more = Markup('<a href="{}">{}</a>').format(url_for("client_check.check_page"), _("Check your computer"))
    return [Markup('<div class="banner banner-browser" role="note" data-browser-verdict="{}">{} {}</div>')
            .format(browser.verdict, browser_advice(browser), more)]
