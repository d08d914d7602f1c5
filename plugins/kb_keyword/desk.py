"""Staff pages: the consultant's analytics ``/desk/bot`` and the knowledge-base editor ``/desk/kb``
(roles kb_editor and admin)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from sep_core import MOSCOW, audit, db, utcnow_naive
from sep_core import gettext as _
from sep_core import lazy_gettext as _l

from . import content, kb
from .engine import engine
from .forms import PhrasingForm, PlainForm
from .models import KbEntry, KbQuestion, KbRevision, KbSynonym

blueprint = Blueprint("kb_keyword_desk", __name__)


def editor_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("kb_keyword.ask_page"))  # no sign-in page is assumed
        if not current_user.has_role("kb_editor"):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class EntryForm(FlaskForm):
    question = StringField(_l("Question"), validators=[DataRequired(), Length(max=kb.MAX_QUESTION)])
    phrasings = TextAreaField(_l("Other phrasings (one per line)"), validators=[Length(max=20000)])
    keyphrases = TextAreaField(_l("Key words and phrases (one per line)"), validators=[Length(max=5000)])
    answer_md = TextAreaField(_l("Answer (Markdown)"), validators=[DataRequired(), Length(max=kb.MAX_ANSWER)])
    category = StringField(_l("Category"), validators=[Length(max=120)])
    external_id = StringField(_l("External id"), validators=[Length(max=120)])
    status = SelectField(_l("Status"), choices=[("draft", _l("Draft")), ("published", _l("Published"))])
    locale = SelectField(_l("Language"), choices=[("ru", _l("Russian")), ("en", _l("English"))])


class SynonymsForm(FlaskForm):
    groups = TextAreaField(_l("Synonyms: one group per line, phrases separated by ';'"),
                           validators=[Length(max=100000)])


@blueprint.get("/desk/bot")
@editor_required
def bot_analytics():
    since = utcnow_naive() - timedelta(days=14)
    rows = db.session.execute(db.select(KbQuestion).where(KbQuestion.created_at >= since)
                              .order_by(KbQuestion.created_at.desc())).scalars().all()
    days: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        day = moscow_time(r.created_at).strftime("%Y-%m-%d")  # stored as naive UTC; staff count Moscow days
        days[day]["asked"] += 1
        days[day]["answered"] += r.answered
        days[day]["rated"] += r.rating is not None
        days[day]["helpful"] += r.rating == 1
    per_day = [{"day": d, **c} for d, c in sorted(days.items())]
    low = [r for r in rows if r.rating == -1][:50]
    asked = Counter(r.entry_id for r in rows if r.entry_id)
    entries = {e.id: e for e in db.session.execute(db.select(KbEntry).where(KbEntry.id.in_(list(asked)))).scalars()}
    low_entries = {e.id: e for e in db.session.execute(
        db.select(KbEntry).where(KbEntry.id.in_([r.entry_id for r in low if r.entry_id]))).scalars()}
    most = [(entries[i], n) for i, n in asked.most_common(20) if i in entries]
    # the search picker without JavaScript: "find" for the group of question "for"
    pick_for, find = _int(request.args.get("for")), (request.args.get("find") or "").strip()[:200]
    found = _search(find, limit=10) if pick_for and len(find) >= 2 else []
    return render_template("kb_keyword/desk_bot.html", per_day=per_day, groups=curation_groups(rows), low=low,
                           low_entries=low_entries, most=most, form=PlainForm(), total=len(rows),
                           pick_for=pick_for, find=find, found=found)


MAX_GROUPS = 30
MAX_GROUP_IDS = 50


def _group_key(row: KbQuestion) -> str:
    """Questions with the same key words (any order, any form) are one group; else the same words."""
    words = sorted(set(row.keywords.split()))
    return " ".join(words) if words else " ".join(row.question.casefold().replace("ё", "е").split())


def curation_groups(rows: list[KbQuestion]) -> list[dict]:
    """Unanswered and badly rated questions not yet handled, grouped, biggest first, each with the bot's
    top candidates (matched again now, not logged) and the entry a citizen picked among the choices."""
    groups: dict[str, dict] = {}
    for r in rows:
        if r.handled or (r.answered and r.rating != -1):
            continue
        g = groups.setdefault(_group_key(r), {"question": r, "ids": [], "unanswered": 0, "unhelpful": 0,
                                             "picked": Counter()})
        g["ids"].append(r.id)
        g["unanswered"] += not r.answered
        g["unhelpful"] += r.rating == -1
        if r.entry_id and not r.answered:
            g["picked"][r.entry_id] += 1
    top = sorted(groups.values(), key=lambda g: (-len(g["ids"]), -g["question"].id))[:MAX_GROUPS]
    eng = engine()
    for g in top:
        q = g["question"]
        g["candidates"] = eng.answers(q.question, q.locale or "ru", limit=3)
        g["ids"] = g["ids"][:MAX_GROUP_IDS]
    return top


@blueprint.post("/desk/bot/attach")
@editor_required
def attach_phrasing():
    """"This one": the group's question becomes a phrasing of the entry; the group is marked handled."""
    form = PlainForm()
    question = db.session.get(KbQuestion, _int(request.form.get("question_id")))
    entry = db.session.get(KbEntry, _int(request.form.get("entry_id")))
    if not form.validate_on_submit() or question is None or entry is None:
        flash(_("Unknown question or entry."), "error")
        return redirect(url_for("kb_keyword_desk.bot_analytics"))
    ids = {_int(i) for i in (request.form.get("question_ids") or "").split(",")[:MAX_GROUP_IDS]} | {question.id}
    added = kb.add_phrasing(entry, question.question, current_user.id)
    handled = db.session.execute(db.update(KbQuestion).where(KbQuestion.id.in_(ids), KbQuestion.handled.is_(False))
                                 .values(handled=True)).rowcount
    audit(current_user, "kb_phrasing_attached", "kb_entry", entry.id,
          reason=f"logged question {question.id} ({handled} in its group)")
    db.session.commit()
    if added:
        flash(_("The question is added as a phrasing of “%(title)s”.", title=entry.question), "success")
    else:
        flash(_("“%(title)s” already has this phrasing; the questions are marked handled.", title=entry.question),
              "success")
    return redirect(url_for("kb_keyword_desk.bot_analytics") + "#kb-curate")


@blueprint.post("/desk/bot/phrasing")
@editor_required
def add_phrasing():
    """Attach a logged question to an entry given by its number (when none of the candidates fits)."""
    form = PhrasingForm()
    if form.validate_on_submit():
        question = db.session.get(KbQuestion, _int(form.question_id.data))
        entry = db.session.get(KbEntry, _int(form.entry_id.data))
        if question is None or entry is None:
            flash(_("Unknown question or entry."), "error")
        else:
            kb.add_phrasing(entry, question.question, current_user.id)
            question.handled = True
            audit(current_user, "kb_phrasing_attached", "kb_entry", entry.id, reason=f"logged question {question.id}")
            db.session.commit()
            flash(_("The question is added as a phrasing of entry %(id)d.", id=entry.id), "success")
    else:
        flash(_("Choose an entry."), "error")
    return redirect(url_for("kb_keyword_desk.bot_analytics"))


#: What an entry's status and language are called on the desk.
STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published")}
LOCALE_LABELS = {"ru": _l("Russian"), "en": _l("English")}
MAX_LISTED = 200


def _search(q: str, category: str = "", locale: str = "", status: str = "", limit: int = MAX_LISTED):
    """Entries whose title, phrasings or answer contain ``q`` (any case), filtered; those in the reader's
    language first, then by title."""
    from flask_babel import get_locale

    stmt = db.select(KbEntry).order_by(KbEntry.locale != str(get_locale() or "ru"), KbEntry.question).limit(limit)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(db.or_(KbEntry.question.ilike(like), KbEntry.answer_md.ilike(like),
                                 db.cast(KbEntry.phrasings, db.String).ilike(like)))
    if category:
        stmt = stmt.where(KbEntry.category == category)
    if locale in LOCALE_LABELS:
        stmt = stmt.where(KbEntry.locale == locale)
    if status in STATUS_LABELS:
        stmt = stmt.where(KbEntry.status == status)
    entries = db.session.execute(stmt).scalars().all()
    if q and len(entries) > 1:  # titles that start with the words come first
        folded = q.casefold()
        entries.sort(key=lambda e: (not e.question.casefold().startswith(folded), folded not in e.question.casefold()))
    return entries


@blueprint.get("/desk/kb")
@editor_required
def kb_list():
    args = request.args
    q = (args.get("q") or "").strip()[:200]
    category, locale, status = (args.get("category") or "")[:120], args.get("language", ""), args.get("status", "")
    entries = _search(q, category, locale, status)
    categories = sorted(c for c in db.session.execute(db.select(KbEntry.category).distinct()).scalars() if c)
    total = db.session.execute(db.select(db.func.count(KbEntry.id))).scalar()
    return render_template("kb_keyword/desk_kb.html", entries=entries, q=q, category=category, locale=locale,
                           status=status, categories=categories, total=total, status_labels=STATUS_LABELS,
                           locale_labels=LOCALE_LABELS, render_html=content.render_html, limit=MAX_LISTED)


@blueprint.get("/desk/kb/titles.json")
@editor_required
def kb_titles():
    """The search picker's suggestions: entries whose title or text contains ``q`` (at most 10)."""
    q = (request.args.get("q") or "").strip()[:200]
    entries = _search(q, limit=10) if len(q) >= 2 else []
    return {"entries": [{"id": e.id, "title": e.question, "category": e.category,
                         "status": str(STATUS_LABELS.get(e.status, e.status)),
                         "language": str(LOCALE_LABELS.get(e.locale, e.locale))} for e in entries]}


@blueprint.route("/desk/kb/new", methods=["GET", "POST"])
@blueprint.route("/desk/kb/<int:entry_id>", methods=["GET", "POST"])
@editor_required
def kb_edit(entry_id: int | None = None):
    entry = db.session.get(KbEntry, entry_id) if entry_id else None
    if entry_id and entry is None:
        abort(404)
    form = EntryForm(obj=None)
    if request.method == "GET":
        if entry is not None:
            snap = entry.snapshot()
            form.process(data={**snap, "phrasings": "\n".join(snap["phrasings"] or []),
                               "keyphrases": "\n".join(snap["keyphrases"] or []),
                               "external_id": snap["external_id"] or ""})
        else:
            from_question = db.session.get(KbQuestion, _int(request.args.get("from_question")))
            form.process(data={"question": from_question.question if from_question else "", "status": "draft"})
    elif form.validate_on_submit():
        data = {k: getattr(form, k).data for k in KbEntry.EDITABLE}
        data["phrasings"] = [p for p in (data["phrasings"] or "").splitlines() if p.strip()]
        data["keyphrases"] = [p for p in (data["keyphrases"] or "").splitlines() if p.strip()]
        data["external_id"] = (data["external_id"] or "").strip() or None
        clash = data["external_id"] and db.session.execute(db.select(KbEntry.id).where(
            KbEntry.external_id == data["external_id"], KbEntry.id != (entry.id if entry else -1))).first()
        if clash:
            form.external_id.errors = [_("Another entry has this external id.")]
        else:
            try:
                entry = kb.save_entry(entry, data, current_user.id, comment="edited")
                if request.args.get("from_question"):
                    q = db.session.get(KbQuestion, _int(request.args.get("from_question")))
                    if q is not None:
                        q.handled = True
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("kb_keyword_desk.kb_edit", entry_id=entry.id))
            except kb.KbError as exc:
                db.session.rollback()
                form.answer_md.errors = [str(exc)]
    revisions = db.session.execute(db.select(KbRevision).where(KbRevision.entry_id == entry.id)
                                   .order_by(KbRevision.number.desc())).scalars().all() if entry else []
    return render_template("kb_keyword/desk_entry.html", form=form, entry=entry, revisions=revisions,
                           rollback_form=PlainForm(), moscow_time=moscow_time)


@blueprint.post("/desk/kb/<int:entry_id>/rollback/<int:number>")
@editor_required
def kb_rollback(entry_id: int, number: int):
    entry = db.session.get(KbEntry, entry_id)
    if entry is None or not PlainForm().validate_on_submit():
        abort(404)
    try:
        kb.rollback(entry, number, current_user.id)
        db.session.commit()
        flash(_("Rolled back to revision %(n)d.", n=number), "success")
    except kb.KbError:
        db.session.rollback()
        abort(404)
    return redirect(url_for("kb_keyword_desk.kb_edit", entry_id=entry_id))


@blueprint.route("/desk/kb/synonyms", methods=["GET", "POST"])
@editor_required
def kb_synonyms():
    form = SynonymsForm()
    if request.method == "GET":
        groups = db.session.execute(db.select(KbSynonym).order_by(KbSynonym.id)).scalars()
        form.groups.data = "\n".join("; ".join(g.phrases) for g in groups)
    elif form.validate_on_submit():
        groups = [[p for p in line.split(";")] for line in (form.groups.data or "").splitlines()]
        count = kb.set_synonyms(groups)
        db.session.commit()
        flash(_("Saved %(n)d synonym groups.", n=count), "success")
        return redirect(url_for("kb_keyword_desk.kb_synonyms"))
    return render_template("kb_keyword/desk_synonyms.html", form=form)


def moscow_time(stored: datetime) -> datetime:
    """A naive UTC database timestamp as Moscow time."""
    return stored.replace(tzinfo=UTC).astimezone(MOSCOW)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
