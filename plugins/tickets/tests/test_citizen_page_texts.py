"""Issue 17 on the citizen's request page: no «перед вашей 0 заявок», no SHA-256 hashes, and the
centre's messages look different from the citizen's own."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def test_the_citizen_page_says_next_in_queue_shows_no_hashes_and_marks_whose_message(app, client, citizen, duty,
                                                                                     clock, h):
    clock.set("2026-03-02T10:00:00")
    h.login(client, citizen)
    response = h.file_new_request(client, files=[h.upload(h.pdf_bytes(), "Паспорт.pdf")])
    number = response.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert "перед вашей 0" not in page and "ваша заявка следующая в очереди" in page
    assert "Паспорт.pdf" in page and "SHA-256" not in page and "КБ" in page
    h.login(client, duty)
    h.desk_post(client, number, "documents", **{"documents-body": "Скан СТС"})
    assert "SHA-256" in client.get(f"/desk/requests/{number}").get_data(as_text=True)  # staff still see it
    h.login(client, citizen)
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert page.count("message-from-citizen") == 1 and page.count("message-from-staff") == 1
