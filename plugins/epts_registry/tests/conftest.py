"""Fixtures for epts_registry tests: users made with the core User model, sign-in through the
session, and a vehicle whose current owner is linked to a user."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sep_core import AuditEntry, User, db
from sep_core.testing import sign_in

PLUGINS = ("epts_registry", "channel_web")
CONFIRMED = datetime(2026, 2, 1, 9, 0)

# A VIN with a valid check digit (the classic example of the North-American rules) and another.
VIN = "1M8GDM9AXKP042788"
VIN_OTHER = "11111111111111111"
NUMBER = "164301000000042"
OWNER_NAME = "Соколова Анна Сергеевна"


_counter = iter(range(1, 10_000))


@pytest.fixture
def make_user(app):
    def make(role: str = "citizen", *, email_confirmed: bool = True, phone_confirmed: bool = True,
             email: str | None = None, phone: str | None = None) -> User:
        n = next(_counter)
        user = User(email=email or f"user{n}@example.org", phone=phone or f"+7999000{n:04d}", role=role,
                    surname="Тестов", first_name="Тест", session_token=f"token{n}",
                    email_confirmed_at=CONFIRMED if email_confirmed else None,
                    phone_confirmed_at=CONFIRMED if phone_confirmed else None)
        db.session.add(user)
        db.session.commit()
        return user

    return make




@pytest.fixture
def browser_for(app):
    """A new client (own cookies), signed in as ``user`` when given."""

    def make(user: User | None = None):
        client = app.test_client()
        return sign_in(client, user) if user is not None else client

    return make


def add_vehicle(owner_user: User | None = None, *, number: str = NUMBER, vin: str = VIN, status: str = "active",
                owner_email: str | None = None, owner_phone: str | None = None):
    from sep_plugins.epts_registry.models import Owner, Vehicle

    vehicle = Vehicle(epts_number=number, vin=vin, status=status, make="LADA", model="Vesta", year=2023,
                      category="M1", body="седан", engine="бензиновый, 1596 см³", power_kw=78, colour="серый",
                      eco_class="пятый", issued_on=date(2023, 3, 1), status_changed_on=date(2023, 3, 1))
    vehicle.owners = [
        Owner(seq=1, kind="company", name="ООО «Автосалон Пример»", region="Москва", document="договор поставки",
              owned_from=date(2023, 3, 1), owned_to=date(2023, 4, 10)),
        Owner(seq=2, kind="person", name=OWNER_NAME, region="Московская область", document="договор купли-продажи",
              owned_from=date(2023, 4, 11), user_id=owner_user.id if owner_user else None,
              email=owner_email, phone=owner_phone),
    ]
    db.session.add(vehicle)
    db.session.commit()
    return vehicle


@pytest.fixture
def audits(app):
    def read(action: str | None = None) -> list[AuditEntry]:
        db.session.expire_all()
        query = db.select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.filter_by(action=action)
        return list(db.session.execute(query).scalars())

    return read
