"""Fixtures for kb_keyword: an app with the plugin and a small base, clients, a signed-in user."""

from __future__ import annotations

import pytest

from sep_core import User, db
from sep_core.testing import (
    csrf_token,
    sign_in,
)

pytestmark = pytest.mark.sep_plugins("kb_keyword")

SMALL_BASE = [
    {"id": "t-1", "title": "Как получить выписку из электронного паспорта?",
     "text": "Выписку скачивает собственник в личном кабинете. Откройте кабинет и нажмите «Сформировать выписку».\n"
             "Файл приходит в формате PDF."},
    {"id": "t-2", "title": "Какой режим работы телефона?",
     "text": "Телефон работает с 06:00 до 18:00 по Москве в рабочие дни. В выходные центр закрыт."},
    {"id": "t-3", "title": "Как зарегистрироваться на портале?",
     "text": "Укажите телефон и почту, затем подтвердите их кодами."},
    {"id": "t-4", "title": "Что значит статус «незавершённый»?",
     "text": "В записи ещё не все данные. Обратитесь к тому, кто оформлял паспорт."},
]


def load_rows(rows, synonyms=None):
    from sep_plugins.kb_keyword import kb

    report = kb.import_rows(list(enumerate(rows, 1)), synonyms=synonyms)
    assert report.committed, report.rejected
    return report


@pytest.fixture
def small_base(app):
    load_rows(SMALL_BASE, synonyms=[["ЭПТС", "электронный паспорт"], ["ЛК", "личный кабинет"]])
    return SMALL_BASE


@pytest.fixture
def demo_base(app):
    from sep_plugins.kb_keyword import demo

    demo.load(True)
    db.session.commit()


def make_user(role: str = "citizen", email: str = "citizen@example.org") -> User:
    user = User(email=email, role=role, surname="Иванов", first_name="Иван", session_token="tok")
    db.session.add(user)
    db.session.commit()
    return user




def post_json(client, url: str, body, token: str | None = None):
    token = token or csrf_token(client)
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def ask(client, question, **extra):
    return post_json(client, "/api/v1/ask", {"question": question, **extra})


class Helpers:
    load_rows = staticmethod(load_rows)
    make_user = staticmethod(make_user)
    sign_in = staticmethod(sign_in)
    post_json = staticmethod(post_json)
    ask = staticmethod(ask)


@pytest.fixture
def h() -> Helpers:
    return Helpers()
