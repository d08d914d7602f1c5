"""channel_phone settings and their defaults (override under SEP_PLUGIN_CONFIG["channel_phone"])."""

DEFAULTS = {
    # The PBX signs each event: X-Signature: sha256=HEX(HMAC-SHA256(secret, timestamp + "." + body))
    # with X-Timestamp (Unix seconds). Empty: the webhook is off (404). May come from the environment
    # as "$env:SEP_PHONE_WEBHOOK_SECRET".
    "webhook_secret": "",
    # Events older or newer than this many seconds are refused (replays).
    "webhook_max_skew_seconds": 300,
    # The PBX names the operator by extension or e-mail: {"101": "duty@example.org"}.
    "operators": {},
    # The journal and the callback list show this many calls per page.
    "page_size": 50,
}
