"""kb_keyword settings and their defaults (override under SEP_PLUGIN_CONFIG["kb_keyword"])."""

DEFAULTS = {
    # Seconds between checks of the base's version (a one-row SELECT) on the answer path.
    "refresh_seconds": 2.0,
    # Alternatives shown under an answer ("maybe you meant...").
    "alternatives": 3,
    # Where a question the consultant cannot answer goes, pre-filled (query parameter below).
    "request_url": "/requests/new",
    "request_prefill_param": "description",
    # E-mails of answers per client address (hashed) per hour.
    "mail_per_hour": 5,
    # Overrides of decision.Policy: answer_threshold, clarify_threshold (calibrated confidence of
    # the first candidate), choices (at most this many when clarifying), choice_floor.
    "decision": {},
    # Overrides of matching.MatchSettings (the benchmark-tuned defaults otherwise).
    "match": {},
}
