"""The demo base tells citizens how to use this site: the buttons and sections it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sep_core import db

pytestmark = pytest.mark.sep_plugins("kb_keyword")

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[3]


def demo_entries(locale: str) -> dict[str, dict]:
    data = yaml.safe_load((DATA / f"demo_{locale}.yaml").read_text(encoding="utf-8"))
    return {e["id"]: e for e in data["entries"]}


def labels(text: str) -> list[str]:
    return re.findall(r"«([^»]+)»", text) + re.findall(r'"([^"]+)"', text)


@pytest.mark.parametrize(("locale", "entry_id"), [("ru", "demo-ru-024"), ("en", "demo-en-029")])
def test_the_answer_about_keeping_answers_names_the_buttons_a_citizen_sees(client, demo_base, h, locale, entry_id):
    client.set_cookie("sep_lang", locale)
    wanted = demo_entries(locale)[entry_id]
    from sep_plugins.kb_keyword.models import KbEntry

    entry = db.session.execute(db.select(KbEntry).where(KbEntry.question == wanted["question"])).scalar_one()
    a = h.ask(client, wanted["question"]).get_json()["answer"]
    pages = client.get("/ask").get_data(as_text=True) + client.get(f"/ask/entry/{entry.id}").get_data(as_text=True)
    h.sign_in(client, h.make_user())
    pages += client.get(f"/ask/entry/{entry.id}").get_data(as_text=True)
    named = labels(wanted["answer"])
    assert a is not None and named
    from markupsafe import escape

    missing = [label for label in named if str(escape(label)) not in pages]
    assert not missing, f"{entry_id} names buttons the pages do not have: {missing}"


def _catalog_texts() -> str:
    return "\n".join(po.read_text(encoding="utf-8") for po in ROOT.glob("**/translations/*/LC_MESSAGES/*.po")
                     if ".venv" not in po.parts)


@pytest.mark.parametrize("entry_id", ["demo-ru-025", "demo-ru-028", "demo-ru-036", "demo-ru-041",
                                      "demo-en-026", "demo-en-030", "demo-en-013", "demo-en-036", "demo-en-041"])
def test_site_labels_named_in_demo_answers_exist_in_the_ui(entry_id):
    entry = demo_entries(entry_id.split("-")[1])[entry_id]
    texts = _catalog_texts()
    missing = [label for label in labels(entry["answer"]) if f'"{label}"' not in texts]
    assert not missing, f"{entry_id} names labels no page shows: {missing}"


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_demo_answers_do_not_promise_social_links_the_home_page_lacks(locale):
    promise = re.compile(r"ссылк[иа][^.]*главной|links?[^.]*home page|home page[^.]*links", re.IGNORECASE)
    wrong = [e["id"] for e in demo_entries(locale).values() if promise.search(e["answer"])]
    assert not wrong


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_demo_answers_keep_their_paragraphs_and_steps_on_the_page(locale):
    # each line of a demo answer is a paragraph or a numbered step; HTML must not run them together
    from sep_plugins.kb_keyword.content import render_html

    run_together = []
    for entry in demo_entries(locale).values():
        lines = [line for line in entry["answer"].splitlines() if line.strip()]
        html = render_html(entry["answer"])
        if html.count("<p>") + html.count("<li>") != len(lines):
            run_together.append(entry["id"])
    assert not run_together
