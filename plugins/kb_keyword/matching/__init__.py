"""The matching engine of the online consultant: pure Python (plus numpy), no Flask, no database.

- :mod:`.text` — normalisation, tokenisation, the wrong keyboard layout;
- :mod:`.morphology` — Russian and English stems (Snowball, cached) or lemmas (pymorphy3);
- :mod:`.stopwords` — words that carry no meaning for matching;
- :mod:`.synonyms` — the synonym and abbreviation dictionary as phrase -> concept rewrites;
- :mod:`.typos` — a symmetric-delete index over the base's vocabulary;
- :mod:`.index` — the in-memory index, ranking and calibrated confidence;
- :mod:`.fragment` — the best fragment of an answer with ``<mark>`` highlighting.
"""

from .fragment import best_fragment
from .index import Document, Hit, Index, MatchSettings

__all__ = ["Document", "Hit", "Index", "MatchSettings", "best_fragment"]
