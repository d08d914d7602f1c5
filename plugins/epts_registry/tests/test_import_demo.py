"""``sep registry import`` (CSV and JSON Lines, one transaction, progress) and the synthetic demo set
written by ``sep init --demo``."""

from __future__ import annotations

import json

import pytest
from sep_plugins.epts_registry.models import Owner, Vehicle

from sep_core import db
from sep_core.cli import main as sep_cli

from .conftest import PLUGINS

pytestmark = pytest.mark.sep_plugins(*PLUGINS)

CSV = (
    "epts_number;vin;status;make;model;year;category;colour;issued_on;owner_name;owner_email;owner_from\n"
    "164301000000101;1M8GDM9AXKP042788;действующий;LADA;Granta;2022;M1;белый;2022-05-01;"
    "Иванов Пётр Сергеевич;p.ivanov@example.org;2022-05-02\n"
    "164301000000102;11111111111111111;incomplete;ГАЗ;Газель Next;2024;N1;синий;2024-02-01;;;\n"
)


def count(model) -> int:
    db.session.expire_all()
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def test_csv_import_with_progress(app, tmp_path):
    path = tmp_path / "vehicles.csv"
    path.write_text(CSV, encoding="utf-8")
    result = app.test_cli_runner().invoke(sep_cli, ["registry", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Importing" in result.output and "2 vehicle(s): 2 new, 0 updated" in result.output
    vehicle = db.session.execute(db.select(Vehicle).filter_by(epts_number="164301000000101")).scalar_one()
    assert vehicle.status == "active" and vehicle.make == "LADA" and vehicle.year == 2022
    owner = vehicle.current_owner
    assert owner.name == "Иванов Пётр Сергеевич" and owner.email == "p.ivanov@example.org"
    # found through the public lookup right away
    body = app.test_client().get("/api/v1/registry/lookup", query_string={"vin": "11111111111111111"}).get_json()
    assert body["fields"]["status"] == "incomplete" and body["fields"]["make"] == "ГАЗ"


def test_jsonl_import_updates_and_replaces_owners(app, tmp_path):
    path = tmp_path / "vehicles.jsonl"
    first = {"epts_number": "164301000000201", "vin": "1HGCM82633A004352", "status": "active", "make": "Kia",
             "owners": [{"kind": "company", "name": "ООО «Пример»", "from": "2023-01-01", "to": "2023-06-01"},
                        {"name": "Новикова Ольга Игоревна", "from": "2023-06-02"}]}
    path.write_text(json.dumps(first, ensure_ascii=False) + "\n\n", encoding="utf-8")
    runner = app.test_cli_runner()
    assert runner.invoke(sep_cli, ["registry", "import", str(path)]).exit_code == 0
    first["status"] = "погашенный"
    first["owners"] = [first["owners"][0], {"name": "Другой Владелец", "from": "2023-06-02"}]
    path.write_text(json.dumps(first, ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(sep_cli, ["registry", "import", str(path)])
    assert "1 vehicle(s): 0 new, 1 updated" in result.output
    vehicle = db.session.execute(db.select(Vehicle).filter_by(epts_number="164301000000201")).scalar_one()
    db.session.refresh(vehicle)
    assert vehicle.status == "closed" and [o.name for o in vehicle.owners] == ["ООО «Пример»", "Другой Владелец"]
    assert count(Owner) == 2


@pytest.mark.parametrize(("line", "message"), [
    ('{"epts_number": "123", "vin": "11111111111111111", "status": "active"}', "15 digits"),
    ('{"epts_number": "164301000000302", "vin": "1M8GDM9A1KP042788", "status": "active"}', "check digit"),
    ('{"epts_number": "164301000000302", "vin": "11111111111111111", "status": "stolen"}', "status must be"),
    ('{"epts_number": "164301000000302", "vin": "11111111111111111", "status": "active", "year": "abc"}', "year"),
    ('{"epts_number": "164301000000302", "vin": "11111111111111111", "status": "active", "owners": "[1]"}', "owners"),
    ('{"epts_number": "164301000000302", "vin": "11111111111111111", "status": "active", '
     '"owners": [{"name": "A", "user_id": 999999}]}', "no user"),
    ("not json at all", "not JSON"),
    ('{"epts_number": "164301000000301", "vin": "1HGCM82633A004352", "status": "active"}', "repeats line 1"),
])
def test_one_bad_row_and_nothing_is_written(app, tmp_path, line, message):
    good = '{"epts_number": "164301000000301", "vin": "1M8GDM9AXKP042788", "status": "active"}'
    path = tmp_path / "bad.jsonl"
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(sep_cli, ["registry", "import", str(path)])
    assert result.exit_code != 0 and "nothing imported" in result.output
    assert "line 2" in result.output and message in result.output
    assert count(Vehicle) == 0


def test_unknown_format_and_binary_file(app, tmp_path):
    runner = app.test_cli_runner()
    other = tmp_path / "vehicles.xlsx"
    other.write_bytes(b"PK\x03\x04")
    assert "unknown format" in runner.invoke(sep_cli, ["registry", "import", str(other)]).output
    binary = tmp_path / "vehicles.csv"
    binary.write_bytes(bytes(range(128, 256)))
    result = runner.invoke(sep_cli, ["registry", "import", str(binary)])
    assert result.exit_code != 0 and "nothing imported" in result.output


def test_hook_sep_init_data_writes_the_demo_set_once(make_app):
    app = make_app(create_tables=False)
    runner = app.test_cli_runner()
    assert runner.invoke(sep_cli, ["init"]).exit_code == 0
    with app.app_context():
        assert count(Vehicle) == 0
    result = runner.invoke(sep_cli, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(Vehicle) == 300
        numbers = sorted(db.session.execute(db.select(Vehicle.epts_number)).scalars())
    assert runner.invoke(sep_cli, ["init", "--demo"]).exit_code == 0  # idempotent
    with app.app_context():
        assert count(Vehicle) == 300
        statuses = set(db.session.execute(db.select(Vehicle.status)).scalars())
        assert statuses == {"incomplete", "active", "closed", "annulled"}
        # every demo record is found by the public lookup
        sample = db.session.execute(db.select(Vehicle).order_by(Vehicle.id)).scalars().first()
        vin = sample.vin
    body = app.test_client().get("/api/v1/registry/lookup", query_string={"vin": vin}).get_json()
    assert body["fields"]["vin"] == vin and body["access"] == "public"
    from sep_plugins.epts_registry.demo_data import vehicles

    assert numbers == sorted(v["epts_number"] for v in vehicles(300))  # the same set on every machine


def test_owner_phone_is_stored_as_e164_so_the_owner_is_recognised(app, tmp_path, make_user, browser_for):
    user = make_user(phone="+79161234567")
    path = tmp_path / "vehicles.jsonl"
    row = {"epts_number": "164301000000401", "vin": "1HGCM82633A004352", "status": "active",
           "owners": [{"name": "Новикова Ольга Игоревна", "from": "2023-06-02", "phone": "8 (916) 123-45-67"}]}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(sep_cli, ["registry", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.execute(db.select(Owner.phone)).scalar_one() == "+79161234567"
    body = browser_for(user).get("/api/v1/registry/lookup", query_string={"number": "164301000000401"}).get_json()
    assert body["access"] == "owner" and body["fields"]["owner_name"] == "Новикова Ольга Игоревна"
    row["owners"][0]["phone"] = "call me"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(sep_cli, ["registry", "import", str(path)])
    assert result.exit_code != 0 and "phone" in result.output
