"""client_check settings and their defaults (override under SEP_PLUGIN_CONFIG["client_check"]).

The minimum versions are the oldest releases the centre still supports, as of November 2026 (about
a year of releases); deployers raise them as browsers move on (docs/plugins/client_check.md).
"""

DEFAULTS = {
    # Oldest supported version per browser family ("major" or "major.minor"). A family missing
    # here, or set to None, is not judged (its verdict is "unknown" and no banner is shown).
    "minimum_versions": {
        "chrome": "140",      # Google Chrome and Chromium, desktop and Android (September 2025)
        "yandex": "25.10",    # Yandex Browser (October 2025, Chromium 140)
        "edge": "140",        # Microsoft Edge (Chromium), September 2025
        "firefox": "140",     # Firefox: release and ESR 140 (June 2025) and newer
        "safari": "18.0",     # Safari 18 and 26; on iOS/iPadOS every browser is Safari's engine
        "opera": "122",       # Opera (Chromium 138+), autumn 2025
    },
    # Firefox ESR branches accepted below the Firefox minimum (e.g. [115] while 115 ESR is
    # supported for Windows 7/8); [] for none.
    "firefox_esr": [],
    # Families that are never supported, whatever the version.
    "unsupported_families": ["ie"],
    # Where to get a current browser (shown in the banner and on /check).
    "update_links": {
        "chrome": "https://www.google.com/chrome/",
        "yandex": "https://browser.yandex.ru/",
        "edge": "https://www.microsoft.com/edge",
        "firefox": "https://www.mozilla.org/firefox/new/",
        "safari": "https://support.apple.com/102665",
        "opera": "https://www.opera.com/download",
    },
    # Show the outdated-browser banner on every page.
    "banner": True,
    # A User-Agent longer than this is rejected by the API (400) and ignored by the banner.
    "max_user_agent_length": 1024,
    # Software requirements defined by the deployer; admins add more at /staff/client-check.
    # Each: {"id": "cryptopro", "name": "...", "why": "...", "instructions": "Markdown",
    #        "download_url": "https://...", "check": "probe" | "server" | "confirm",
    #        "probe": {"type": "global" | "promise" | "mime_type", "target": "cadesplugin"},
    #        "server_check": "https" | "cookies" | "desktop" | "browser",
    #        "timeout_ms": 3000, "scope": "everyone" | "on_request"}
    "requirements": [],
    # Default and upper bound for a probe's timeout, milliseconds.
    "probe_timeout_ms": 3000,
    "max_probe_timeout_ms": 30000,
}
