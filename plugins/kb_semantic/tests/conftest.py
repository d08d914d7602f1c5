"""Fixtures for kb_semantic: the demo base with the keyword consultant, with and without the encoder."""

from __future__ import annotations

import pytest

from sep_core import db


@pytest.fixture
def demo_base(app):
    from sep_plugins.kb_keyword import demo

    demo.load(True)
    db.session.commit()


@pytest.fixture
def fresh_encoder_cache():
    """The process caches the encoder (or its refusal): tests that change the package see a fresh load."""
    from sep_plugins.kb_semantic import encoder

    saved = dict(encoder._loaded)
    encoder._loaded.clear()
    yield encoder
    encoder._loaded.clear()
    encoder._loaded.update(saved)
