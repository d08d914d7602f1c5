"""Questions logged through the core's log buffer (PostgreSQL): the answer's token still rates it,
and a forged token is refused without waiting for other workers' buffers."""

from __future__ import annotations

import time

import pytest

from sep_core import InquiryLog, db

from .conftest import SMALL_BASE, ask, load_rows, post_json

pytestmark = pytest.mark.sep_plugins("kb_keyword")


@pytest.fixture
def buffered(make_app, postgres_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "SEP_LOG_BUFFER_ROWS": 100,
                    "SEP_LOG_BUFFER_SECONDS": 3600})
    with app.app_context():
        load_rows(SMALL_BASE)
    yield app
    app.extensions["sep"].log_buffer.close()


def test_a_buffered_question_is_rated_by_its_token(buffered):
    from sep_plugins.kb_keyword.models import KbQuestion

    client = buffered.test_client()
    data = ask(client, "Как мне получить выписку?").get_json()
    assert data["answered"] and data["token"]
    with buffered.app_context():
        assert db.session.execute(db.select(KbQuestion)).first() is None  # still in the buffer
    assert buffered.extensions["sep"].log_buffer.pending() == 2
    response = post_json(client, "/api/v1/ask/rate", {"token": data["token"], "helpful": True})
    assert response.status_code == 200, response.get_json()
    with buffered.app_context():
        question = db.session.execute(db.select(KbQuestion)).scalar_one()
        inquiry = db.session.execute(db.select(InquiryLog)).scalar_one()
    assert question.rating == 1 and question.token == data["token"] and question.entry_id is not None
    assert inquiry.answered and inquiry.answer_ref == "t-1"


def test_a_forged_token_is_refused_at_once(buffered):
    from sep_plugins.kb_keyword import service

    client = buffered.test_client()
    genuine = ask(client, "Как мне получить выписку?").get_json()["token"]
    forged = f"{int(time.time()):08x}" + genuine[8:-10] + "0123456789"
    with buffered.test_request_context():
        assert service._issued_within(genuine, 5) and not service._issued_within(forged, 5)
    started = time.monotonic()
    response = post_json(client, "/api/v1/ask/rate", {"token": forged, "helpful": False})
    assert response.status_code == 404 and time.monotonic() - started < 2.0
