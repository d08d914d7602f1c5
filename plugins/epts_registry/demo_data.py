"""A deterministic synthetic demo set (``sep init --demo``): a few hundred vehicles with owners.

Everything is made up from a fixed seed: names are random combinations of common first names,
patronymics and surnames, organisations are invented, e-mail addresses use the reserved domain
example.org. The same seed gives the same records on every machine. The first three vehicles
belong to the demo owner ``DEMO_OWNER_EMAIL``: register with that e-mail (and confirm both
contacts) to see the service part and download extracts in the demo.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sep_core import db

from .models import Owner, Vehicle
from .validation import check_digit

SEED = 20201101
DEMO_OWNER_EMAIL = "demo.owner@example.org"

MODELS = [  # (WMI, make, model, category, body, engine, power kW, eco class)
    ("XTA", "LADA", "Granta", "M1", "седан", "бензиновый, 1596 см³", 66, "пятый"),
    ("XTA", "LADA", "Vesta", "M1", "седан", "бензиновый, 1596 см³", 78, "пятый"),
    ("XTA", "LADA", "Niva Legend", "M1G", "универсал", "бензиновый, 1690 см³", 61, "пятый"),
    ("X96", "ГАЗ", "Газель Next", "N1", "фургон", "дизельный, 2776 см³", 88, "пятый"),
    ("XTC", "КАМАЗ", "54901", "N3", "седельный тягач", "дизельный, 12 000 см³", 405, "пятый"),
    ("XTT", "УАЗ", "Patriot", "M1G", "универсал", "бензиновый, 2693 см³", 110, "пятый"),
    ("LGW", "Haval", "Jolion", "M1", "универсал", "бензиновый, 1497 см³", 110, "пятый"),
    ("LVV", "Chery", "Tiggo 7 Pro", "M1", "универсал", "бензиновый, 1498 см³", 108, "пятый"),
    ("L6T", "Geely", "Monjaro", "M1", "универсал", "бензиновый, 1969 см³", 175, "пятый"),
    ("XTA", "LADA", "e-Largus", "M1", "универсал", "электрический", 67, "—"),
    ("X9L", "Москвич", "3", "M1", "универсал", "бензиновый, 1499 см³", 110, "пятый"),
    ("Z94", "Kia", "Rio", "M1", "седан", "бензиновый, 1591 см³", 90, "пятый"),
]
COLOURS = ["белый", "чёрный", "серый", "серебристый", "синий", "красный", "зелёный", "коричневый"]
REGIONS = ["Москва", "Санкт-Петербург", "Московская область", "Республика Татарстан", "Свердловская область",
           "Новосибирская область", "Краснодарский край", "Нижегородская область", "Самарская область",
           "Приморский край"]
SURNAMES_M = ["Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков", "Фёдоров",
              "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов"]
FIRST_M = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Иван", "Михаил", "Никита"]
FIRST_F = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Дарья"]
PATRONYMIC_ROOTS = ["Александров", "Дмитриев", "Сергеев", "Андреев", "Иванов", "Михайлов", "Петров", "Николаев"]
COMPANIES = ["ООО «Северный ветер»", "АО «Трансполис»", "ООО «Грузовой двор»", "ООО «Лизинг-Плюс»",
             "ООО «Ромашка-Авто»", "АО «Дорожная служба»"]
DOCUMENTS = ["договор купли-продажи", "договор лизинга", "договор дарения", "свидетельство о наследстве"]
STATUS_WEIGHTS = [("active", 70), ("incomplete", 15), ("closed", 10), ("annulled", 5)]
YEAR_CODES = dict(zip(range(2010, 2031), "ABCDEFGHJKLMNPRSTVWXY", strict=True))
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _person(rng: random.Random) -> str:
    surname, root = rng.choice(SURNAMES_M), rng.choice(PATRONYMIC_ROOTS)
    if rng.random() < 0.5:
        return f"{surname} {rng.choice(FIRST_M)} {root}ич"
    return f"{surname}а {rng.choice(FIRST_F)} {root}на"


def make_vin(rng: random.Random, wmi: str, year: int) -> str:
    body = wmi + "".join(rng.choice(VIN_CHARS) for _ in range(5))
    tail = YEAR_CODES[year] + rng.choice(VIN_CHARS) + "".join(rng.choice("0123456789") for _ in range(6))
    draft = body + "0" + tail
    return body + check_digit(draft) + tail


def vehicles(count: int, seed: int = SEED) -> list[dict]:
    """The demo records as plain dicts (vehicle fields plus ``owners``), always the same."""
    rng = random.Random(seed)
    out, numbers, vins = [], set(), set()
    while len(out) < count:
        index = len(out)
        wmi, make, model, category, body, engine, power, eco = rng.choice(MODELS)
        year = rng.randint(2019, 2026)
        number = f"164301{rng.randrange(10**9):09d}"
        vin = make_vin(rng, wmi, year)
        if number in numbers or vin in vins:
            continue
        numbers.add(number)
        vins.add(vin)
        status = rng.choices([s for s, _ in STATUS_WEIGHTS], weights=[w for _, w in STATUS_WEIGHTS])[0]
        if index < 3:
            status = "active"
        issued = date(max(year, 2020), 1, 1) + timedelta(days=rng.randrange(300))
        owners, start = [], issued
        for seq in range(1, rng.randint(1, 4) + 1):
            company = rng.random() < 0.15
            owners.append({"seq": seq, "kind": "company" if company else "person",
                           "name": rng.choice(COMPANIES) if company else _person(rng),
                           "region": rng.choice(REGIONS), "document": rng.choice(DOCUMENTS),
                           "owned_from": start, "owned_to": None, "email": None, "phone": None})
            end = start + timedelta(days=rng.randint(120, 700))
            if end >= date(2026, 10, 1):
                break
            owners[-1]["owned_to"] = end
            start = end + timedelta(days=1)
        owners[-1]["owned_to"] = None
        if index < 3:
            owners[-1].update(kind="person", email=DEMO_OWNER_EMAIL)
        out.append({"epts_number": number, "vin": vin, "status": status, "make": make, "model": model,
                    "year": year, "category": category, "body": body, "engine": engine, "power_kw": power,
                    "colour": rng.choice(COLOURS), "eco_class": eco, "issued_on": issued,
                    "status_changed_on": issued if status in ("active", "incomplete")
                    else issued + timedelta(days=rng.randint(200, 900)),
                    "owners": owners})
    return out


def load(count: int) -> int:
    """Write the demo set unless the registry already has records; how many were written."""
    if db.session.execute(db.select(Vehicle.id).limit(1)).first() is not None:
        return 0
    for data in vehicles(count):
        owners = data.pop("owners")
        vehicle = Vehicle(**data)
        vehicle.owners = [Owner(**o) for o in owners]
        db.session.add(vehicle)
    db.session.flush()
    return count
