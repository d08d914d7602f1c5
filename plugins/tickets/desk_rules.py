"""What the desk's pages and the desk's REST API share below the views: the queue's filters, who
may be chosen as an assignee, and the requirements catalogue. Both front ends call these and the
functions of ``service``; neither has rules of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, false, or_, select

from sep_core import User, current_state, db, plugin_settings

from . import access, sla
from .models import ACTIVE, CHANNELS, OPEN, STATUSES, Category, Ticket

MAX_PAGE = 10_000


@dataclass
class QueueFilters:
    """The desk queue's filters. Unknown values fall back to "no filter" (the page's lenient
    reading); the API checks its parameters before building these."""

    status: str = "open"  # "open" (every open status), "all", or one status
    category: str = ""
    channel: str = ""
    mine: bool = False
    due: str = ""  # "", "overdue" or "soon"
    profile: str = ""
    assignee: str = ""  # "", "me", "none" or a user id
    q: str = ""  # a request number (or its start), or words of the subject, a contact's e-mail or phone
    page: int = 1

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        try:
            page = max(1, min(int(args.get("page", "1")), MAX_PAGE))
        except ValueError:
            page = 1
        return cls(status=args.get("status", "open"), category=args.get("category", "")[:40],
                   channel=args.get("channel", "")[:40], mine=args.get("mine") == "1", due=args.get("due", ""),
                   profile=args.get("profile", "")[:60], assignee=args.get("assignee", "")[:12],
                   q=args.get("q", "").strip()[:100], page=page)


def visible_query(user) -> Select:
    """Requests ``user`` may see on the desk (``access.staff_can_see`` as a query)."""
    query = select(Ticket)
    if user.role == "specialist":
        profiles = [p for p in (user.profiles or []) if p]
        conditions = [Ticket.assignee_id == user.id]
        if profiles:
            conditions.append(Ticket.profile.in_(profiles))
        query = query.where(or_(*conditions))
    return query


def desk_channels() -> list[str]:
    """Every channel requests came through (web, api, phone, and any chat channel such as vk or
    telegram that opened one), for the desk's filter."""
    seen = db.session.execute(select(Ticket.channel).distinct()).scalars().all()
    return sorted(set(CHANNELS) | {c for c in seen if c})


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def queue_query(user, filters: QueueFilters, at: datetime) -> tuple[Select, QueueFilters]:
    """The filtered, ordered query of the queue, and the filters as applied (unknown values
    dropped, as the page shows them)."""
    query = visible_query(user)
    applied = QueueFilters(**vars(filters))
    if filters.status == "open":
        query = query.where(Ticket.status.in_(OPEN))
    elif filters.status in STATUSES:
        query = query.where(Ticket.status == filters.status)
    else:
        applied.status = "all"
    if filters.category:
        query = query.join(Category, Ticket.category_id == Category.id).where(Category.code == filters.category)
    if filters.channel in desk_channels():
        query = query.where(Ticket.channel == filters.channel)
    else:
        applied.channel = ""
    if filters.mine:
        query = query.where(Ticket.assignee_id == user.id)
    if filters.profile:
        query = query.where(Ticket.profile == filters.profile)
    if filters.assignee == "me":
        query = query.where(Ticket.assignee_id == user.id)
    elif filters.assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif filters.assignee.isdigit():  # an id beyond the column's range is nobody
        query = query.where(Ticket.assignee_id == int(filters.assignee) if access.valid_id(int(filters.assignee))
                            else false())
    else:
        applied.assignee = ""
    now_utc = sla.to_naive_utc(at)
    if filters.due == "overdue":
        query = query.where(Ticket.status.in_(ACTIVE), Ticket.paused_at.is_(None), Ticket.due_at < now_utc)
    elif filters.due == "soon":
        soon = now_utc + timedelta(hours=float(plugin_settings("tickets")["due_soon_hours"]))
        query = query.where(Ticket.status.in_(ACTIVE), Ticket.paused_at.is_(None), Ticket.due_at >= now_utc,
                            Ticket.due_at < soon)
    else:
        applied.due = ""
    if filters.q:
        q = filters.q
        conditions = [Ticket.number.like(q.replace("%", "").replace("_", "") + "%"),
                      Ticket.subject.ilike(_like(q), escape="\\"), Ticket.email == q.lower(), Ticket.phone == q]
        query = query.where(or_(*conditions))
    return query.order_by(Ticket.due_at.is_(None), Ticket.due_at, Ticket.id), applied


def queue_page(user, filters: QueueFilters, at: datetime, page_size: int) -> tuple[list[Ticket], bool, QueueFilters]:
    """One page of the queue: the requests, whether there are more, the filters as applied."""
    query, applied = queue_query(user, filters, at)
    tickets = db.session.execute(query.offset((filters.page - 1) * page_size).limit(page_size + 1)).scalars().all()
    return list(tickets[:page_size]), len(tickets) > page_size, applied


def desk_staff(profile: str | None = None) -> list[User]:
    """Active staff of the desk (who may be assigned), optionally those of one profile (admins too)."""
    users = db.session.execute(select(User).where(User.role.in_(access.DESK_ROLES), User.active.is_(True))
                               .order_by(User.surname, User.id)).scalars().all()
    if profile:
        users = [u for u in users if profile in (u.profiles or []) or u.role == "admin"]
    return list(users)


def requirement_catalog() -> list:
    """The technical requirements a citizen may be asked to meet (``sep_requirement_catalog``)."""
    return [r for group in current_state().pm.hook.sep_requirement_catalog() for r in group or []]
