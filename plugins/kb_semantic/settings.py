"""kb_semantic settings (override under SEP_PLUGIN_CONFIG["kb_semantic"])."""

DEFAULTS = {
    # Locales the encoder serves (USE multilingual v3 covers 16 languages, these among them).
    "locales": ["ru", "en"],
    # BLAS threads for one encoding: 1 keeps a worker from stealing its neighbours' cores.
    "threads": 1,
    # Vectors of the latest questions kept per worker (LRU, ~2 KB each; 0: none): a repeated question
    # is not encoded again. Answers are unchanged (a hit is the vector encoding would give).
    "question_cache": 4096,
}
