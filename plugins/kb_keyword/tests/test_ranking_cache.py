"""The ranking cache (setting ``ranking_cache``): a repeated question is not ranked again while the base
is unchanged, the answer is the same, and an edit of the base ranks afresh."""

from __future__ import annotations

import json

import pytest

from .conftest import SMALL_BASE, ask, load_rows

QUESTION = "как получить выписку из электронного паспорта"


@pytest.fixture
def rankings(monkeypatch):
    """Counts the rankings done (Ranker.search_query calls)."""
    from sep_plugins.kb_keyword.matching.ranking import Ranker

    calls = []
    original = Ranker.search_query

    def counting(self, query, limit=5):
        calls.append(query.text)
        return original(self, query, limit)

    monkeypatch.setattr(Ranker, "search_query", counting)
    return calls


def answer(client, question=QUESTION) -> dict:
    resp = ask(client, question)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_a_repeated_question_is_ranked_once_with_the_same_answer(app, client, small_base, rankings):
    first = answer(client)
    again = answer(client)
    assert len(rankings) == 1
    for key in ("decision", "answer", "alternatives", "found", "route"):
        assert again[key] == first[key], key
    assert first["decision"]["shown"][0]["external_id"] == "t-1"
    answer(client, "какой режим работы телефона")  # another question is ranked
    assert len(rankings) == 2


def test_an_edit_of_the_base_ranks_afresh(app, client, small_base, rankings):
    answer(client)
    changed = [{**SMALL_BASE[0], "text": "Выписку теперь выдаёт только центр обслуживания по записи."},
               *SMALL_BASE[1:]]
    load_rows(changed)
    after = answer(client)
    assert len(rankings) == 2
    assert "центр обслуживания" in json.dumps(after["decision"], ensure_ascii=False)


@pytest.mark.sep_plugin_config("kb_keyword", {"ranking_cache": 0})
def test_without_the_cache_every_question_is_ranked(app, client, small_base, rankings):
    answer(client)
    answer(client)
    assert len(rankings) == 2
