"""kb_keyword settings and their defaults (override under SEP_PLUGIN_CONFIG["kb_keyword"])."""

DEFAULTS = {
    # Seconds between checks of the base's version (a one-row SELECT) on the answer path.
    "refresh_seconds": 2.0,
    # Build a whole new index in a forked child process (POSIX): the worker then only maps the files.
    "build_in_child": True,
    # The latest questions whose ranking a worker remembers while the base is unchanged (0: none): a
    # repeated question then costs no ranking. Answers are unchanged; an edit of the base empties it.
    "ranking_cache": 2048,
    # Alternatives shown under an answer ("maybe you meant...").
    "alternatives": 3,
    # Where a question the consultant cannot answer goes (the question is kept server-side as the draft).
    "request_url": "/requests/new",
    # E-mails of answers per client address (hashed) per hour.
    "mail_per_hour": 5,
    # Overrides of decision.Policy: answer_threshold, clarify_threshold (calibrated confidence of
    # the first candidate), choices (at most this many when clarifying), choice_floor.
    "decision": {},
    # The same when the ranking is fused with a sentence encoder (kb_semantic): its confidence is
    # calibrated apart, with thresholds from benchmarks/fit_semantic_confidence.py (ranking.FUSED_POLICY).
    "decision_fused": {},
    # Codes that confirm an address before an answer is mailed to it: [count, window seconds] per
    # client address and per e-mail address (signed-in citizens with a confirmed e-mail need none).
    "mail_codes_per_client": [5, 3600],
    "mail_codes_per_address": [3, 3600],
    # Overrides of matching.MatchSettings (the benchmark-tuned defaults otherwise).
    "match": {},
}
