"""Shifts, "on duty now", automatic assignment (round-robin weighted by open load) and the
handover at the end of a shift, with the frozen clock across a shift change; the staff page with
its CSV import; the hooks."""

from __future__ import annotations

import io

import pytest

from sep_core import current_state, db, hookimpl
from sep_core.testing import csrf_token, sign_in

pytestmark = pytest.mark.sep_plugins("tickets", "duty_roster", "channel_web")


def file(category: str | None = None):
    from sep_plugins.tickets import service

    fields = {"surname": "Иванов", "first_name": "Иван", "email": "ivan@example.org", "subject": "Вопрос",
              "description": "Не могу скачать выписку."}
    return service.create_ticket(user=None, fields=fields, category=service.category_by_code(category),
                                 channel="phone")


@pytest.fixture
def team(app, r):
    anna = r.make_user("anna@example.org", "duty", surname="Анна")
    boris = r.make_user("boris@example.org", "duty", surname="Борис")
    vera = r.make_user("vera@example.org", "duty", surname="Вера")
    spec = r.make_user("spec@example.org", "specialist", ["tech_support"], surname="Семён")
    r.shift(anna, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    r.shift(boris, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    r.shift(vera, "duty", "2026-03-02T14:00", "2026-03-02T22:00")
    r.shift(spec, "specialist", "2026-03-02T06:00", "2026-03-02T18:00", "tech_support")
    return anna, boris, vera, spec


def test_assignment_and_handover_across_a_shift_change(app, clock, team):
    from sep_plugins.duty_roster import roster
    from sep_plugins.tickets import service
    from sep_plugins.tickets.models import HistoryEntry, Message, Ticket
    from sep_plugins.tickets.service import ActionError

    anna, boris, vera, spec = team
    clock.set("2026-03-02T09:00:00")
    assert {i.user.id for i in roster.on_duty()} == {anna.id, boris.id, spec.id}
    first, second, third = file(), file(), file()
    # Least open load first; among equals the one given a request longest ago (then the lower id).
    assert [first.assignee_id, second.assignee_id, third.assignee_id] == [anna.id, boris.id, anna.id]
    tech = file("tech")
    assert tech.profile == "tech_support" and tech.assignee_id == spec.id
    service.answer(second, boris, "Ответ")  # Boris has no open work left
    fourth = file()
    assert fourth.assignee_id == boris.id  # load 0 beats Anna's 2
    assert vera.id not in {t.assignee_id for t in db.session.execute(db.select(Ticket)).scalars()}

    shift = next(i.shift for i in roster.on_duty() if i.user.id == anna.id)
    shift.handover_note = "Заявителю первой заявки перезвонить после 15:00."
    db.session.commit()
    clock.set("2026-03-02T14:00:30")  # the shift change: Anna and Boris leave, Vera comes
    assert {i.user.id for i in roster.on_duty()} == {vera.id, spec.id}
    assert roster.hand_over_ended() == 2
    for t in (first, third, fourth):
        db.session.refresh(t)
        assert t.assignee_id == vera.id
        note = db.session.execute(db.select(Message).filter_by(ticket_id=t.id, kind="note")).scalar_one()
        assert note.internal and "окончании смены" in note.body
    first_note = db.session.execute(db.select(Message).filter_by(ticket_id=first.id, kind="note")).scalar_one()
    assert "перезвонить после 15:00" in first_note.body and "Анна" in first_note.body
    assert db.session.execute(db.select(HistoryEntry).filter_by(ticket_id=first.id, kind="handed_over")
                              ).scalar_one().data == {"from": anna.id, "to": vera.id}
    db.session.refresh(second)
    assert second.assignee_id == boris.id  # answered work stays with whoever answered it
    assert roster.hand_over_ended() == 0  # once only
    assert file().assignee_id == vera.id
    with pytest.raises(ActionError, match="не на смене"):
        service.assign(tech, vera, anna)  # nothing is assigned to someone off shift
    with pytest.raises(ActionError, match="не на смене"):
        service.take(tech, boris)

    clock.set("2026-03-02T23:00:00")  # nobody on shift
    late = file()
    assert late.assignee_id is None
    assert roster.hand_over_ended() == 2  # Vera's and Semyon's shifts
    for t in (first, third, fourth, tech):
        db.session.refresh(t)
        assert t.assignee_id is None  # back to the queue, never to someone off shift


def test_no_roster_no_change(app, clock, r):
    """A centre that does not use the roster works as before: no automatic assignment, staff
    assign freely."""
    from sep_plugins.tickets import service

    duty = r.make_user("duty@example.org", "duty")
    other = r.make_user("other@example.org", "duty")
    t = file()
    assert t.assignee_id is None
    service.assign(t, duty, other)
    assert t.assignee_id == other.id


def test_shift_checks(app, clock, r):
    from sep_plugins.duty_roster import roster

    duty = r.make_user("duty@example.org", "duty")
    spec = r.make_user("spec@example.org", "specialist", ["tech_support"])
    citizen = r.make_user("ivan@example.org", "citizen")
    r.shift(duty, "duty", "2026-03-02T22:00", "2026-03-03T06:00")
    cases = [
        (citizen, "duty", "", "2026-03-04T06:00", "2026-03-04T14:00", "Нет активной учётной записи"),
        (spec, "specialist", "", "2026-03-04T06:00", "2026-03-04T14:00", "нужен профиль"),
        (spec, "specialist", "registration_data", "2026-03-04T06:00", "2026-03-04T14:00", "нет профиля"),
        (spec, "specialist", "no_such", "2026-03-04T06:00", "2026-03-04T14:00", "Нет активного профиля"),
        (spec, "duty", "", "2026-03-04T06:00", "2026-03-04T14:00", "не дежурный"),
        (duty, "duty", "", "2026-03-03T05:00", "2026-03-03T08:00", "уже есть смена"),
        (duty, "duty", "", "2026-03-04T06:00", "2026-03-05T08:00", "до 24"),
    ]
    for user, role, profile, start, end, message in cases:
        with pytest.raises(roster.RosterError, match=message):
            roster.add_shift(user, role, profile, r.msk(start), r.msk(end), None)


CSV_GOOD = (b"email;role;profile;date;from;to\n"
            b"anna@example.org;duty;;02.03.2026;06:00;14:00\n"
            b"spec@example.org;specialist;tech_support;2026-03-02;22:00;06:00\n")
CSV_BAD = (b"email,role,profile,date,from,to\n"
           b"anna@example.org,duty,,2026-03-03,06:00,14:00\n"
           b"nobody@example.org,duty,,2026-03-03,06:00,14:00\n"
           b"anna@example.org,duty,,2026-03-33,06:00,14:00\n")


def post_csv(client, data: bytes, lang: str = "ru"):
    return client.post(f"/desk/roster/import?lang={lang}", data={
        "import-csrf_token": csrf_token(client), "import-file": (io.BytesIO(data), "shifts.csv")},
        content_type="multipart/form-data")


def test_staff_page_edit_and_csv_import(app, client, clock, r):
    from sep_plugins.duty_roster.models import Shift

    admin = r.make_user("admin@example.org", "admin", surname="Админ")
    anna = r.make_user("anna@example.org", "duty", surname="Анна")
    r.make_user("spec@example.org", "specialist", ["tech_support"], surname="Семён")
    citizen = r.make_user("ivan@example.org", "citizen")
    clock.set("2026-03-02T10:00:00")
    sign_in(client, citizen)
    assert client.get("/desk/roster").status_code == 403
    sign_in(client, anna)
    assert client.get("/desk/roster").status_code == 200
    assert post_csv(client, CSV_GOOD).status_code == 403  # only admins edit

    sign_in(client, admin)
    response = post_csv(client, CSV_BAD)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Строка 3" in html and "Строка 4" in html and "Строка 2" not in html
    assert db.session.execute(db.select(Shift)).first() is None  # all or nothing
    assert "Line 3" in post_csv(client, CSV_BAD, "en").get_data(as_text=True)
    assert post_csv(client, b"\xff\xfe\x00junk").status_code == 400
    assert post_csv(client, CSV_GOOD).status_code == 302
    shifts = db.session.execute(db.select(Shift).order_by(Shift.starts_at)).scalars().all()
    assert [(s.starts_at.isoformat(), s.ends_at.isoformat()) for s in shifts] == [
        ("2026-03-02T03:00:00", "2026-03-02T11:00:00"), ("2026-03-02T19:00:00", "2026-03-03T03:00:00")]
    page = client.get("/desk/roster").get_data(as_text=True)
    assert "Анна" in page and 'id="on-duty-now"' in page

    token = csrf_token(client)
    response = client.post("/desk/roster/shifts", data={
        "shift-csrf_token": token, "shift-user": str(anna.id), "shift-role": "duty", "shift-profile": "",
        "shift-day": "2026-03-02", "shift-start": "12:00", "shift-end": "13:00"})
    assert response.status_code == 400 and "уже есть смена" in response.get_data(as_text=True)
    response = client.post("/desk/roster/shifts", data={
        "shift-csrf_token": token, "shift-user": str(anna.id), "shift-role": "duty", "shift-profile": "",
        "shift-day": "2026-03-03", "shift-start": "06:00", "shift-end": "14:00"})
    assert response.status_code == 302
    assert client.post(f"/desk/roster/shifts/{shifts[0].id}/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.execute(db.select(Shift.id).filter_by(id=shifts[0].id)).first() is None


def test_desk_shows_who_is_on_duty(app, client, clock, team):
    anna = team[0]
    clock.set("2026-03-02T09:00:00")
    sign_in(client, anna)
    html = client.get("/desk/").get_data(as_text=True)
    assert 'id="on-duty"' in html and "Анна" in html and "Борис" in html and "Вера" not in html
    assert "до 14:00" in html
    assert "until 14:00" in client.get("/desk/?lang=en").get_data(as_text=True)
    clock.set("2026-03-02T23:00:00")
    assert "Сейчас никто не на смене" in client.get("/desk/").get_data(as_text=True)


def test_hook_sep_on_duty(app, clock, team):
    anna, _boris, vera, _spec = team
    hook = current_state().pm.hook
    clock.set("2026-03-02T09:00:00")
    assert hook.sep_on_duty(user=anna, at=clock.moment) is True
    assert hook.sep_on_duty(user=vera, at=clock.moment) is False


def test_hook_sep_pick_assignee(app, clock, team):
    anna, boris, _vera, _spec = team
    clock.set("2026-03-02T09:00:00")

    class Lane:
        profile = ""
        number = "x"

    pick = current_state().pm.hook.sep_pick_assignee
    assert pick(ticket=Lane(), load={anna.id: 3, boris.id: 1}) == boris


class Recorder:
    def __init__(self):
        self.calls = []

    @hookimpl
    def sep_on_shift_ended(self, user, shift, pick, note):
        self.calls.append((user.email, shift["role"], note))


def test_hook_sep_on_shift_ended(app, clock, team, register_plugin):
    recorder = Recorder()
    register_plugin(recorder)
    clock.set("2026-03-02T14:00:00")
    from sep_plugins.duty_roster import roster

    roster.hand_over_ended()
    assert sorted(c[0] for c in recorder.calls) == ["anna@example.org", "boris@example.org"]


test_hook_sep_ui_desk_panels = test_desk_shows_who_is_on_duty
