"""The fragment rule: the passage that best matches the question, never a bare list number or a
heading, and a numbered instruction with all its steps."""

from __future__ import annotations

import pytest
from sep_plugins.kb_keyword.matching.fragment import best_fragment, split_sentences, units

pytestmark = pytest.mark.sep_plugins("kb_keyword")


def stem(word: str) -> str:
    return word[:5]


STEPS = ("1. Нажмите «Регистрация» и укажите телефон.\n2. Дайте согласие на обработку данных.\n"
         "3. Подтвердите телефон кодом из SMS.\nПосле проверки откроется доступ к заявкам.")


def test_a_list_number_is_never_a_sentence_of_its_own():
    assert split_sentences("1. Войдите. 2. Нажмите кнопку.") == ["1. Войдите.", "2. Нажмите кнопку."]
    assert all(any(ch.isalpha() for ch in u.text) for u in units(STEPS))


def test_a_numbered_instruction_is_shown_with_all_its_steps_when_nothing_else_matches():
    frag = best_fragment(STEPS, set(), stem)
    assert frag.text.splitlines() == ["1. Нажмите «Регистрация» и укажите телефон.",
                                      "2. Дайте согласие на обработку данных.", "3. Подтвердите телефон кодом из SMS."]
    assert frag.html.startswith("<ol><li>Нажмите") and frag.html.count("<li>") == 3
    assert len(frag.steps) == 3 and not frag.whole


def test_a_match_in_one_step_still_shows_the_whole_instruction_highlighted():
    frag = best_fragment(STEPS, {stem("согласие")}, stem)
    assert frag.html.count("<li>") == 3 and "<mark>согласие</mark>" in frag.html


def test_the_passage_that_matches_wins_over_the_instruction():
    frag = best_fragment(STEPS, {stem("проверки"), stem("доступ")}, stem)
    assert frag.text == "После проверки откроется доступ к заявкам." and not frag.steps


def test_an_introductory_line_or_heading_goes_with_what_follows():
    answer = "Как получить выписку\nЧтобы получить выписку:\n1. Войдите в кабинет.\n2. Скачайте файл.\nГотово."
    frag = best_fragment(answer, {stem("выписку")}, stem)
    assert frag.text.startswith("Как получить выписку Чтобы получить выписку:\n1. Войдите в кабинет.")
    assert "<ol><li>Войдите" in frag.html and frag.html.startswith("<p>")
    heading_only = best_fragment("Сроки\nОтвет приходит в течение суток.", {stem("сроки")}, stem)
    assert heading_only.text == "Сроки Ответ приходит в течение суток."


def test_steps_keep_their_first_number_and_escape_html():
    frag = best_fragment("3) Шаг <b>три</b>.\n4) Шаг четыре.", set(), stem)
    assert frag.html.startswith('<ol start="3"><li>Шаг &lt;b&gt;три&lt;/b&gt;.</li>') and frag.whole
    assert frag.text == "3. Шаг <b>три</b>.\n4. Шаг четыре."


@pytest.mark.parametrize("question", ["как зарегистрироваться на портале", "Что сейчас сделать?"])
def test_demo_questions_get_the_steps_not_a_list_number(client, demo_base, h, question):
    data = h.ask(client, question).get_json()
    shown = [a for a in [data["answer"], *data["alternatives"]] if a]
    assert shown
    for a in shown:
        assert a["fragment_text"].strip() not in {"1.", "2.", "3."}
        assert any(ch.isalpha() for ch in a["fragment_text"].splitlines()[0])
    steps = next(a for a in shown if "<ol>" in a["fragment_html"])
    assert steps["fragment_text"].startswith("1. ") and "\n2. " in steps["fragment_text"]
