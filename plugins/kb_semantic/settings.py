"""kb_semantic settings (override under SEP_PLUGIN_CONFIG["kb_semantic"])."""

DEFAULTS = {
    # "e5-small" (multilingual-e5-small, int8 on ONNX Runtime: ranks best, 4-6 ms a question) or "use-m3"
    # (Universal Sentence Encoder multilingual v3: about 3 ms, ranks worse). docs/plugins/kb_semantic.md.
    "model": "e5-small",
    # Locales the encoder serves (both models cover these among others).
    "locales": ["ru", "en"],
    # BLAS threads for one encoding: 1 keeps a worker from stealing its neighbours' cores.
    "threads": 1,
    # Vectors of the latest questions kept per worker (LRU, ~2 KB each; 0: none): a repeated question
    # is not encoded again. Answers are unchanged (a hit is the vector encoding would give).
    "question_cache": 4096,
}
