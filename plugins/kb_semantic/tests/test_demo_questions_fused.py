"""The demo base's example questions and everyday wordings (kb_keyword's test_demo_questions) hold with
the fused ranking and its own calibration too: the same tests, run with the encoder on."""

from __future__ import annotations

import pytest
from sep_plugins.kb_keyword.tests.test_demo_questions import (  # noqa: F401  (collected here again)
    test_english_questions_get_the_right_entry_shown,
    test_everyday_wordings_get_the_right_entry_shown_mostly_as_the_answer,
    test_the_rules_example_questions_get_the_right_answer_first,
)

pytestmark = pytest.mark.sep_plugins("kb_keyword", "kb_semantic")


@pytest.fixture
def client(app):
    from sep_plugins.kb_keyword.engine import engine

    client = app.test_client()
    yield client
    assert engine(app).index_for("ru").semantic is not None  # the questions were ranked with the encoder
