"""The reports' figures against hand-counted synthetic data (see conftest), the same numbers on the
page, in the CSV and from ``sep reports summary --json``, the filters and bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest

from sep_core.testing import sign_in

pytestmark = pytest.mark.sep_plugins("tickets", "kb_keyword", "channel_phone", "reports", "channel_web")
PERIOD = "from=2026-03-02&to=2026-03-04"


def build(first="2026-03-02", last="2026-03-04", channel=None):
    from sep_plugins.reports import figures

    return figures.build(figures.parse_period(first, last, channel))


def test_figures_match_the_hand_count(app, synthetic, expected):
    report = build()
    requests = report["requests"]
    for key in ("per_day", "per_channel", "totals", "compliance", "answered_in_time", "answered_total",
                "first_answer_minutes", "queue_by_profile"):
        assert requests[key] == expected[key], key
    assert report["bot"] == expected["bot"]
    assert {k: report["calls"][k] for k in ("total", "by_outcome")} == expected["calls"]


def test_channel_filter(app, synthetic):
    phone = build(channel="phone")
    assert phone["requests"]["totals"] == {"received": 2, "answered": 1, "overdue": 1}
    assert (phone["requests"]["compliance"], phone["requests"]["first_answer_minutes"]["median"]) == (100.0, 30.0)
    assert phone["requests"]["queue_by_profile"] == {"duty": 1}
    assert phone["calls"]["total"] == 3 and phone["bot"]["questions"] == 0
    vk = build(channel="vk")
    assert vk["bot"] == {"questions": 1, "answered": 0, "answered_share": 0.0, "ratings": {"up": 0, "down": 0}}
    assert "calls" not in vk and vk["requests"]["totals"] == {"received": 0, "answered": 0, "overdue": 0}


def test_page_csv_and_cli_show_the_same_numbers(app, client, runner, synthetic, expected):
    sign_in(client, synthetic)
    html = client.get(f"/desk/reports?{PERIOD}").get_data(as_text=True)
    assert 'id="kpi-received">5<' in html and 'id="kpi-overdue">2<' in html
    assert 'id="kpi-compliance">75.0 %<' in html
    assert 'id="kpi-median">7:30<' in html and 'id="kpi-p90">26:00<' in html  # 450 and 1560 minutes
    assert 'id="kpi-bot-share">50.0 %<' in html and 'id="kpi-bot-ratings">1 / 1<' in html
    assert 'data-series="Поступило заявок" data-label="2026-03-02" data-value="2"' in html  # the SVG bar
    assert 'data-series="Просрочено заявок" data-label="2026-03-04" data-value="1"' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # charts need no script
    assert "Requests per day" in client.get(f"/desk/reports?{PERIOD}&lang=en").get_data(as_text=True)

    response = client.get(f"/desk/reports.csv?{PERIOD}")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    table = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert table[("requests_per_day", "2026-03-03", "overdue")] == "1"
    assert table[("requests_per_channel", "web", "answered")] == "3"
    assert table[("requests", "deadline", "compliance_percent")] == "75.0"
    assert table[("requests", "first_answer_minutes", "p90")] == "1560.0"
    assert table[("queue_by_profile", "tech_support", "open")] == "1"
    assert table[("bot", "answered", "share_percent")] == "50.0"
    assert table[("calls", "missed", "count")] == "1"

    result = runner.invoke(args=["reports", "summary", "--from", "2026-03-02", "--to", "2026-03-04", "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    assert cli["requests"]["per_day"] == expected["per_day"] and cli["bot"] == expected["bot"]
    assert cli == json.loads(json.dumps(build()))


def test_bad_filters_are_form_errors(app, client, synthetic):
    sign_in(client, synthetic)
    for query, message in [("from=2026-03-05&to=2026-03-01", "Начало периода позже его конца"),
                           ("from=вчера", "ГГГГ-ММ-ДД"), ("channel=../x", "Неизвестный канал"),
                           ("from=2020-01-01&to=2026-03-01", "не больше 366 дней")]:
        response = client.get(f"/desk/reports?{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True), query
    assert client.get("/desk/reports.csv?from=x").status_code == 400


def test_only_desk_staff_see_reports(app, client, r_citizen):
    sign_in(client, r_citizen)
    assert client.get("/desk/reports").status_code == 403
    assert client.get("/desk/reports.csv").status_code == 403


@pytest.fixture
def r_citizen(app):
    from sep_core import User, db
    from sep_core.accounts import hash_password

    user = User(email="ivan@example.org", role="citizen", profiles=[], password_hash=hash_password("x" * 12),
                surname="Иванов", first_name="", patronymic="", locale="ru")
    db.session.add(user)
    db.session.commit()
    return user


@pytest.mark.sep_plugins("channel_phone", "reports", "channel_web")
def test_only_the_enabled_plugins_have_sections(app, client, runner):
    result = runner.invoke(args=["reports", "summary", "--from", "2026-03-02", "--to", "2026-03-02", "--json"])
    report = json.loads(result.output)
    assert report["sections"] == ["calls"] and "requests" not in report


def test_the_report_over_rest_is_the_page_s_report(app, client, synthetic):
    """Issue 18: GET /api/v1/reports/summary with a reports:read token (or a desk session)."""
    from sep_core import User
    from sep_core.tokens import create_token

    duty = User.query.filter_by(email="duty@example.org").one()
    _, token = create_token(duty, ["reports:read"])
    answer = client.get(f"/api/v1/reports/summary?{PERIOD}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.get_json() == json.loads(json.dumps(build()))
    _, tickets_only = create_token(duty, ["tickets:read"])
    assert client.get("/api/v1/reports/summary", headers={"Authorization": f"Bearer {tickets_only}"}
                      ).status_code == 403
    assert client.get("/api/v1/reports/summary").status_code == 401
    for bad in ("from=2026-03-05&to=2026-03-01", "from=0001-01-01", "to=0001-01-05", "from=2024-01-01&to=2026-01-01",
                "channel=Web!", "from=2026-03-01x"):
        refused = client.get(f"/api/v1/reports/summary?{bad}", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "invalid_period", bad
    staff = sign_in(app.test_client(), duty)
    assert staff.get(f"/api/v1/reports/summary?{PERIOD}").get_json() == answer.get_json()  # a desk session
    from sep_core.testing import create_user

    assert sign_in(app.test_client(), create_user("c@example.org")).get("/api/v1/reports/summary").status_code == 403
