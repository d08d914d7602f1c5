"""channel_web settings and their defaults (override under SEP_PLUGIN_CONFIG["channel_web"])."""

DEFAULTS = {
    # The centre's phone line as dialled and as shown.
    "phone": "+78002000000",
    "phone_display": "8 800 200-00-00",
    # Social communities: a list of {"network": "vk"|"ok"|"telegram"|..., "url": "https://..."}.
    "social_links": [],
    # A site-wide announcement (plain text, shown in a banner on every page); "" for none.
    "announcement": "",
}
