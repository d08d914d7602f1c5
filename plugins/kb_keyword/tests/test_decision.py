"""The decision: answer, clarifying choices or a request — the rule, the API's field and `sep kb rank`."""

from __future__ import annotations

import json

import pytest
from sep_plugins.kb_keyword.decision import Decision, Policy, decide

pytestmark = pytest.mark.sep_plugins("kb_keyword")


def test_decide_answers_clarifies_or_routes_by_the_first_confidence():
    policy = Policy(answer_threshold=0.7, clarify_threshold=0.2, choices=3, choice_floor=0.5)
    cands = [("a", 0.8, 1.0), ("b", 0.5, 0.9), ("c", 0.4, 0.6), ("d", 0.3, 0.55)]
    assert decide(cands, policy) == Decision("answer", ("a",), 0.8)
    unsure = [("a", 0.4, 1.0), ("b", 0.4, 0.9), ("x", 0.3, 0.1), ("c", 0.3, 0.6), ("d", 0.3, 0.55)]
    clarify = decide(unsure, policy)
    assert clarify.kind == "clarify" and clarify.shown == ("a", "b", "c")  # "x" is too weak to offer
    assert decide([("a", 0.1, 1.0)], policy) == Decision("request", (), 0.1)
    assert decide([], policy) == Decision("request")
    assert clarify.to_json() == {"kind": "clarify", "shown": ["a", "b", "c"], "confidence": 0.4}


def test_policy_reads_the_settings_and_keeps_defaults():
    policy = Policy.from_settings({"answer_threshold": "0.8", "choices": 2, "unknown": 1})
    assert policy.answer_threshold == 0.8 and policy.choices == 2
    assert policy.clarify_threshold == Policy().clarify_threshold


def test_api_reports_the_decision_with_the_shown_answers(client, small_base, h):
    data = h.ask(client, "Как получить выписку из электронного паспорта?").get_json()
    assert data["decision"]["kind"] == "answer" and data["answered"] is True
    assert [a["external_id"] for a in data["decision"]["shown"]] == ["t-1"]
    nothing = h.ask(client, "!!!").get_json()
    assert nothing["decision"] == {"kind": "request", "shown": [], "confidence": 0.0}


@pytest.mark.sep_plugin_config("kb_keyword", {"decision": {"answer_threshold": 0.999, "clarify_threshold": 0.0}})
def test_an_unsure_question_gets_choices_and_no_answer(client, small_base, h):
    data = h.ask(client, "выписка паспорт телефон").get_json()
    assert data["answered"] is False and data["decision"]["kind"] == "clarify"
    shown = [a["external_id"] for a in data["decision"]["shown"]]
    assert 1 <= len(shown) <= 3 and shown[0] == data["alternatives"][0]["external_id"]
    assert data["route"]["action"] == "ticket" and data["route"]["reason"] == "clarify"
    suggest = h.ask(client, "выписка паспорт телефон", suggest=True).get_json()
    assert suggest["decision"]["kind"] == "clarify" and suggest["answered"] is False


@pytest.mark.sep_config("SEP_BOT_CONFIDENCE_THRESHOLD", 0.999)
def test_the_core_threshold_is_a_floor_for_answering(client, small_base, h):
    data = h.ask(client, "Как получить выписку из электронного паспорта?").get_json()
    assert data["answered"] is False and data["decision"]["kind"] != "answer"


def test_rank_lines_say_answered_and_what_is_shown(app, small_base, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "Как получить выписку из электронного паспорта?"},
                                    ensure_ascii=False) + "\n"
                         + json.dumps({"id": "q2", "question": "погода на марсе"}, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["kb", "rank", str(questions)])
    lines = [json.loads(x) for x in out.output.splitlines()]
    assert lines[0]["answered"] is True and lines[0]["shown"] == ["t-1"]
    assert lines[1]["answered"] is False and lines[1]["shown"] == []
