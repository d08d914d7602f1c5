"""epts_registry settings and their defaults (override under SEP_PLUGIN_CONFIG["epts_registry"])."""

DEFAULTS = {
    # Abuse guard of /registry, /registry/verify and the lookup API: [lookups, window in seconds]
    # per client IP address and per browser session. Beyond the limit: 429 with a clear message.
    # Counted by the core's shared rate limiter (Redis when SEP_REDIS_URL is set).
    "lookups_per_ip": [60, 60],
    "lookups_per_session": [20, 60],
    # VIN check digit (position 9): "required", "north_america" (only VINs starting 1-5 or L)
    # or "off". See docs/plugins/epts_registry.md.
    "vin_check_digit": "required",
    # Number of synthetic vehicles written by `sep init --demo` (deterministic).
    "demo_vehicles": 300,
    # A TTF font with Cyrillic for the PDF extract; empty = PT Sans from the fontpkg-pt-sans
    # package, else DejaVu Sans from /usr/share/fonts (Debian fonts-dejavu-core).
    "pdf_font": "",
    # Registry name printed on the extract.
    "registry_name": "СЭП — Система электронных паспортов",
}
