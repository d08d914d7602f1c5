"""epts_registry tables: vehicles (public data), their owners and ownership history (service
data), issued extracts (for verification), and passed identity checks heard through
``sep_on_identity_checked``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sep_core import db, utcnow_naive

#: Status codes and their English labels (msgids); Russian: незавершённый, действующий,
#: погашенный, аннулированный.
STATUSES = ("incomplete", "active", "closed", "annulled")


class Vehicle(db.Model):
    """One ЭПТС record: the passport number, the VIN, the status and the open vehicle data."""

    __tablename__ = "epts_registry_vehicles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epts_number: Mapped[str] = mapped_column(String(15), unique=True, index=True)
    vin: Mapped[str] = mapped_column(String(17), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(12), default="incomplete")
    make: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(80), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(8), default="")
    """Vehicle category (M1, N1, L3, ...)."""
    body: Mapped[str] = mapped_column(String(40), default="")
    engine: Mapped[str] = mapped_column(String(80), default="")
    power_kw: Mapped[int | None] = mapped_column(Integer)
    colour: Mapped[str] = mapped_column(String(40), default="")
    eco_class: Mapped[str] = mapped_column(String(20), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    """When the ЭПТС was issued."""
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)

    owners: Mapped[list[Owner]] = relationship(back_populates="vehicle", order_by="Owner.seq",
                                               cascade="all, delete-orphan")

    @property
    def current_owner(self) -> Owner | None:
        current = [o for o in self.owners if o.owned_to is None]
        return current[-1] if current else None


class Owner(db.Model):
    """An owner of the vehicle for a period: service data, shown to the verified owner and staff."""

    __tablename__ = "epts_registry_owners"
    __table_args__ = (UniqueConstraint("vehicle_id", "seq", name="uq_epts_registry_owners_vehicle_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("epts_registry_vehicles.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(12), default="person")
    """"person" or "company"."""
    name: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    document: Mapped[str] = mapped_column(String(120), default="")
    """The ground of ownership (a sale contract, ...), as entered by the seller or dealer."""
    owned_from: Mapped[date | None] = mapped_column(Date)
    owned_to: Mapped[date | None] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    """The help-desk account of this owner, when linked."""
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)

    vehicle: Mapped[Vehicle] = relationship(back_populates="owners")


class Extract(db.Model):
    """An extract issued as a PDF: its verification code and a digest of the document."""

    __tablename__ = "epts_registry_extracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("epts_registry_vehicles.id", ondelete="SET NULL"))
    epts_number: Mapped[str] = mapped_column(String(15))
    status_at_issue: Mapped[str] = mapped_column(String(12), default="")
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    issued_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sha256: Mapped[str] = mapped_column(String(64), default="")


class IdentityPass(db.Model):
    """A passed identity check of a user (its id; the core re-checks it through
    ``sep_identity_check_status`` before trusting it)."""

    __tablename__ = "epts_registry_identity_passes"
    __table_args__ = (UniqueConstraint("user_id", "check_id", name="uq_epts_registry_identity_passes_user_check"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[str] = mapped_column(String(40))
    passed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
