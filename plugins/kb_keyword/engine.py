"""The consultant's index, shared by the workers through files, kept fresh entry by entry.

The index of the published entries (per locale), the entries' texts and, when a plugin gives a sentence
encoder (``sep_text_encoder``, kb_semantic), their sentence vectors are written once, as numpy arrays,
to ``<instance>/kb_index/<build>/`` and memory-mapped by every worker of the instance folder: the
operating system keeps one copy, and no worker encodes the base at start-up. ``kb_index/current.json``
names the newest build and the base version it holds. The answer path reads memory only, except for
one cheap version check at most every ``refresh_seconds`` (a single-row SELECT). When the version
moved, a worker

- loads a newer build another worker (or ``sep kb reindex``) wrote, if there is one;
- otherwise reads the entries changed since its build (``change_version``) and indexes those alone
  (:meth:`Index.updated` of the entries' and the phrasings' indexes: the old versions masked, the
  changed ones in a small segment of their own; :meth:`Semantic.updated` likewise encodes only their
  texts);
- builds afresh only when the synonyms changed, ``sep kb reindex`` asked for it, or more than
  ``DELTA_SHARE`` of the base changed: one worker builds (a file lock), the others wait for it (a small
  base) or keep answering from the old index (from ``BACKGROUND_REBUILD_FROM`` entries) and load it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from flask import Flask, current_app

from sep_core import Answer, db, plugin_settings

from .content import fast_text, plain_text, render_html
from .decision import Decision, Policy, decide
from .matching import Document, Hit, Index, MatchSettings, best_fragment
from .matching.fragment import analyse
from .matching.index import load_arrays, release_memory, save_arrays
from .matching.ranking import (
    FUSED_POLICY,
    Ranker,
    RankSettings,
    Semantic,
    VectorStore,
    is_fused,
    said_documents,
)
from .models import KbEntry, KbState, KbSynonym

PLUGIN = "kb_keyword"
#: From this many entries a whole new index is built in a background thread (the old index answers).
BACKGROUND_REBUILD_FROM = 5000
#: Entries changed since the shared build that are indexed alone, as a share of the build (at least
#: DELTA_MIN; none on an empty build); beyond, the index is built afresh.
DELTA_SHARE = 0.05
DELTA_MIN = 20
#: The folder of the index files, under the instance folder.
INDEX_FOLDER = "kb_index"


@dataclass(frozen=True)
class EntryView:
    """What the answer path needs of an entry, kept in memory."""

    id: int
    external_id: str | None
    question: str
    category: str
    locale: str
    answer_text: str
    answer_md: str


class EntryStore:
    """Entry views in shared arrays: sorted ids and a JSON text per entry (decoded when asked for)."""

    def __init__(self, ids: np.ndarray, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.ids, self.blob, self.offsets = ids, blob, offsets

    @classmethod
    def build(cls, views: list[EntryView]) -> EntryStore:
        views = sorted(views, key=lambda v: v.id)
        encoded = [json.dumps([v.external_id, v.question, v.category, v.locale, v.answer_text, v.answer_md],
                              ensure_ascii=False).encode("utf-8") for v in views]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(np.array([v.id for v in views], dtype=np.int64),
                   np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)

    FILES = ("ids", "blob", "offsets")

    def save(self, folder: Path) -> None:
        save_arrays(folder, {name: getattr(self, name) for name in self.FILES}, "entries.")

    @classmethod
    def load(cls, folder: Path) -> EntryStore:
        return cls(**load_arrays(folder, cls.FILES, "entries."))

    def __len__(self) -> int:
        return len(self.ids)

    def get(self, entry_id: int) -> EntryView | None:
        i = int(np.searchsorted(self.ids, entry_id))
        if i >= len(self.ids) or int(self.ids[i]) != entry_id:
            return None
        data = json.loads(self.blob[int(self.offsets[i]):int(self.offsets[i + 1])].tobytes())
        return EntryView(entry_id, *data)


class Entries:
    """The published entries by id: the shared store with this worker's changed entries on top."""

    def __init__(self, store: EntryStore | None = None, changed: dict[int, EntryView | None] | None = None) -> None:
        self.store = store or EntryStore.build([])
        self.changed = changed or {}

    def get(self, entry_id: int, default=None):
        view = self.changed[entry_id] if entry_id in self.changed else self.store.get(entry_id)
        return default if view is None else view

    def __getitem__(self, entry_id: int) -> EntryView:
        view = self.get(entry_id)
        if view is None:
            raise KeyError(entry_id)
        return view

    def __contains__(self, entry_id: object) -> bool:
        return isinstance(entry_id, int) and self.get(entry_id) is not None


@dataclass(frozen=True)
class State:
    version: int
    rebuild_version: int
    token: str


def _view(row) -> EntryView:
    return EntryView(row.id, row.external_id, row.question, row.category or "", row.locale or "ru",
                     fast_text(row.answer_md), row.answer_md)


def _document(row, view: EntryView) -> Document:
    return Document(row.id, row.question, view.answer_text, tuple(row.phrasings or ()), tuple(row.keyphrases or ()))


def _entry_columns():
    e = KbEntry
    return (e.id, e.external_id, e.question, e.category, e.locale, e.answer_md, e.phrasings, e.keyphrases,
            e.status)


def _phrasing_settings(settings: MatchSettings) -> MatchSettings:
    return settings.with_(answer_gram_weight=0.0, passage_weight=0.0)  # as Ranker.build


def _save_ranker(ranker: Ranker, folder: Path) -> None:
    ranker.index.save(folder / "entries")
    if ranker.phrasings is not None:
        ranker.phrasings.save(folder / "phrasings")


def _load_ranker(folder: Path, settings: MatchSettings, encoder=None) -> Ranker:
    """A locale's shared build, memory-mapped; with its sentence vectors when ``encoder`` made them
    (the caller checked the build's encoder names: :meth:`Engine._encoders_fit`)."""
    phrasings = None
    if (folder / "phrasings" / "meta.json").exists():
        phrasings = Index.load(folder / "phrasings", _phrasing_settings(settings))
    rank = RankSettings()
    semantic = None
    if encoder is not None:
        semantic = Semantic.load(folder / "semantic", encoder, rank)
        if semantic is None:
            raise ValueError(f"{folder / 'semantic'}: no vectors of {encoder.name}")
    return Ranker(Index.load(folder / "entries", settings), phrasings, rank, semantic)


def _updated_ranker(base: Ranker, docs: list[Document], removed: list[int], version: int,
                    semantic: Semantic | None = None) -> Ranker:
    """The ranker with changed entries indexed alone: the entries' index without their phrasings, the
    phrasing index with one document per phrasing (keyed by the entry), both over the shared base;
    ``semantic``, the vectors with the changed entries' overlay (:meth:`Engine._updated_semantic`)."""
    entries = base.index.updated([replace(d, phrasings=()) for d in docs], removed, version)
    said = said_documents(docs)
    phrasings = base.phrasings
    if phrasings is None and said:
        phrasings = Index.build([], _phrasing_settings(base.index.settings), base.index.synonym_groups,
                                base.index.version)
    if phrasings is not None:
        phrasings = phrasings.updated(said, removed, version)
    return Ranker(entries, phrasings, base.rank, semantic)


@contextlib.contextmanager
def _file_lock(path: Path):
    """An exclusive lock between the processes sharing the folder (none where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Engine:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: int | None = None
        """The base's version this worker's index answers for."""
        self.base_version: int | None = None
        """The version the shared build it loaded was made at (changes after it are indexed alone)."""
        self.build_name: str | None = None
        self.checked_at = 0.0
        self.stale = False
        """Set by an edit in this worker: check the version on the next question, whatever the interval."""
        self.indexes: dict[str, Ranker] = {}
        self._bases: dict[str, Ranker] = {}
        self.entries = Entries()
        self.full_builds = 0
        """Whole indexes this worker built (observable: the tests and the deployer's log)."""
        self.loads = 0
        """Shared builds this worker loaded."""
        self.updates = 0
        """Times it indexed changed entries alone."""
        self.child_builds = 0
        """Of the full builds, those a forked child process made."""
        self.encoded = 0
        """Base texts (entries, phrasings) this worker encoded for the semantic signal: only changed
        entries' texts, the shared build's vectors are mapped (a forked build's count is its own)."""
        self.folder: Path | None = None
        self._token = ""
        self._sentences: dict[int, tuple] = {}
        self._html: dict[int, str] = {}
        self._copy: dict[int, str] = {}
        self._ranked: OrderedDict[tuple[str, str, int], tuple] = OrderedDict()
        """Latest questions' analysed query and hits (setting ``ranking_cache``), for ``_ranked_for``."""
        self._ranked_for: dict[str, Ranker] | None = None
        self._ranked_lock = threading.Lock()

    # -- freshness ----------------------------------------------------------------------------

    def ensure_fresh(self, force: bool = False) -> None:
        interval = float(plugin_settings(PLUGIN)["refresh_seconds"])
        if not force and not self.stale and self.version is not None and time.monotonic() - self.checked_at < interval:
            return
        state = current_state()
        self.checked_at = time.monotonic()
        self.stale = False
        if not force and state.version == self.version:
            return
        if force or self.version is None or len(self.entries.store) < BACKGROUND_REBUILD_FROM:
            with self.lock:
                if force or state.version != self.version:
                    self.refresh(state, force)
        elif self.lock.acquire(blocking=False):
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            if self._needs_full(state):
                # a large base: keep answering from the old index while a thread brings the new one
                threading.Thread(target=self._refresh_in_background, args=(app, state), daemon=True).start()
            else:
                try:
                    self.refresh(state)
                finally:
                    self.lock.release()

    def _refresh_in_background(self, app: Flask, state: State) -> None:
        try:
            with app.app_context():
                self.refresh(state)
                db.session.remove()
        finally:
            self.lock.release()

    def refresh(self, state: State, force: bool = False) -> None:
        """Bring the index to ``state`` (the caller holds ``self.lock``): load a newer shared build,
        index the changed entries alone, or build afresh."""
        self.folder = Path(current_app.instance_path) / INDEX_FOLDER
        if force:
            self.rebuild(state.version, state)
            return
        current = self._current()
        newer = self._usable(current, state) and current["build"] != self.build_name and (
            self.base_version is None or current["version"] > self.base_version or not self._base_ok(state))
        if newer and self._load(current):
            self._apply_changes(state)
            return
        if not self._base_ok(state):
            self.rebuild(state.version, state)
            return
        self._apply_changes(state)

    def _needs_full(self, state: State) -> bool:
        return not self._base_ok(state)

    def _base_ok(self, state: State) -> bool:
        # a base built before the state row existed (no token yet) holds every entry of version 0
        same_base = self._token == state.token or (self._token == "" and self.base_version == 0)
        return (self.base_version is not None and self.build_name is not None
                and self.base_version >= state.rebuild_version and same_base)

    # -- shared builds --------------------------------------------------------------------------

    def _settings(self) -> MatchSettings:
        return MatchSettings(**plugin_settings(PLUGIN).get("match", {}))

    def _settings_key(self) -> str:
        data = json.dumps(self._settings().__dict__, sort_keys=True, default=list)
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def _current(self) -> dict | None:
        try:
            return json.loads((self.folder / "current.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _usable(self, current: dict | None, state: State) -> bool:
        if not (current and current.get("token") == state.token and current.get("settings") == self._settings_key()
                and state.rebuild_version <= current.get("version", -1) <= state.version):
            return False
        try:
            meta = json.loads((self.folder / current["build"] / "build.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return self._encoders_fit(meta)

    def _encoders(self, locales) -> dict:
        """This worker's sentence encoder per locale (``sep_text_encoder``; None: keyword only)."""
        hook = current_app.extensions["sep"].pm.hook.sep_text_encoder
        return {loc: hook(locale=loc) for loc in locales}

    def _encoders_fit(self, meta: dict) -> bool:
        """Whether a build's vectors fit this worker: for every locale this worker has an encoder for,
        the build holds vectors made by an encoder of the same name. A build with vectors this worker
        has no encoder for fits (they are not used: keyword only); a build without them, or with another
        encoder's, does not (the worker builds afresh with its own encoder)."""
        made = meta.get("encoders", {})
        return all(encoder is None or made.get(loc) == encoder.name
                   for loc, encoder in self._encoders(meta.get("locales", {})).items())

    def _load(self, current: dict) -> bool:
        folder = self.folder / current["build"]
        try:
            meta = json.loads((folder / "build.json").read_text(encoding="utf-8"))
            if not self._encoders_fit(meta):
                return False
            settings = self._settings()
            encoders = self._encoders(meta["locales"])
            bases = {loc: _load_ranker(folder / sub, settings, encoders[loc]) for loc, sub in meta["locales"].items()}
            store = EntryStore.load(folder)
        except (OSError, ValueError, KeyError):
            return False
        self._install(bases, store, current["version"], current["build"], current["token"])
        self.loads += 1
        return True

    def _install(self, bases: dict[str, Ranker], store: EntryStore, version: int, build: str, token: str) -> None:
        self._bases, self.indexes = bases, dict(bases)
        self.entries = Entries(store)
        self.base_version = self.version = version
        self.build_name, self._token = build, token
        self._sentences, self._html, self._copy = {}, {}, {}

    def _updated_semantic(self, loc: str, base: Ranker, docs: list[Document], removed: list[int]) -> Semantic | None:
        """The locale's vectors with the changed entries' texts as an overlay on the shared build's: only
        texts neither the build nor this worker's previous overlay holds are encoded; the changed and
        removed entries' base rows are masked. No other entry is read."""
        encoder = self._encoders([loc])[loc]
        if encoder is None:
            return None
        semantic = base.semantic
        if semantic is None and len(base.index.keys) == 0:  # a locale the build did not have
            semantic = Semantic.build(encoder, [], [], base.rank)
        elif semantic is None or semantic.encoder.name != encoder.name:
            return None  # the hook's encoder changed since the build was loaded: keyword only until the next
        old = self.indexes.get(loc)
        old = old.semantic if old is not None else None
        counted: list[int] = []
        semantic = semantic.updated(encoder, docs, said_documents(docs), removed, base.rank,
                                    old if old is not None and old.encoder.name == encoder.name else None, counted)
        self.encoded += sum(counted)
        return semantic

    def rebuild(self, version: int, state: State | None = None) -> None:
        """Build the whole index afresh and share it (unless another worker built it meanwhile)."""
        state = state or current_state()
        self.folder = Path(current_app.instance_path) / INDEX_FOLDER
        with _file_lock(self.folder / "build.lock"):
            current = self._current()
            done = (self._usable(current, state) and current["version"] >= state.version
                    and current["build"] != self.build_name and self._load(current))
            if not done:
                self._build_and_share(state)
        self._apply_changes(state)

    def _build_and_share(self, state: State) -> None:
        """Build the whole index into a new folder, point ``current.json`` at it and load it.

        Where the system can fork (and ``build_in_child`` is on), a child process reads the entries and
        builds: the worker's own memory never holds the entries' Python objects nor the build's peak
        (they stay fragmented in its heap otherwise); it only maps the result like the other workers."""
        name = f"v{state.version}-{secrets.token_hex(4)}"
        built = False
        if hasattr(os, "fork") and plugin_settings(PLUGIN).get("build_in_child", True):
            # the sentence encoders are loaded here, before the fork: the child inherits them and this worker
            # maps the build with them afterwards (loaded in the child, a model would be loaded twice: the
            # child's copy dies with it; e5's is 1.5-2.5 s of CPU)
            self._encoders(self._published_locales())
            built = self._build_in_child(state, name)
            self.child_builds += built
        if not built:
            self._build_files(state, name)
        pointer = {"build": name, "version": state.version, "token": state.token, "settings": self._settings_key()}
        part = self.folder / f".current.{os.getpid()}.tmp"
        part.write_text(json.dumps(pointer), encoding="utf-8")
        os.replace(part, self.folder / "current.json")
        self.full_builds += 1
        release_memory()
        if not self._load(pointer):
            raise RuntimeError(f"the index just written to {self.folder / name} cannot be read")
        self._remove_old(name)

    def _published_locales(self) -> list[str]:
        """The locales of the published entries, as the build groups them (no locale: ``ru``)."""
        rows = db.session.execute(db.select(KbEntry.locale).where(KbEntry.status == "published").distinct())
        return sorted({locale or "ru" for (locale,) in rows})

    def _build_in_child(self, state: State, name: str) -> bool:
        """:meth:`_build_files` in a forked child with its own database connection; False if it failed
        (the caller then builds in this process)."""
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
                db.session.registry.clear()  # a new session on a new connection, the parent's left alone
                self._build_files(state, name)
                code = 0
            except BaseException:  # reported by the exit status; the parent then builds itself
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0 and (self.folder / name / "build.json").exists()

    def _build_files(self, state: State, name: str) -> None:
        settings = self._settings()
        rows = db.session.execute(db.select(*_entry_columns()).where(KbEntry.status == "published")
                                  .order_by(KbEntry.id))
        synonyms = [s.phrases for s in db.session.execute(db.select(KbSynonym)).scalars()]
        views: list[EntryView] = []
        by_locale: dict[str, list[Document]] = {}
        for row in rows:
            view = _view(row)
            views.append(view)
            by_locale.setdefault(view.locale, []).append(_document(row, view))
        folder = self.folder / name
        tmp = self.folder / f".{name}.tmp"
        tmp.mkdir(parents=True)
        subs = {}
        made: dict[str, str] = {}
        encoders = self._encoders(by_locale)
        previous = self._previous_vectors()
        for i, (loc, docs) in enumerate(by_locale.items()):
            ranker = Ranker.build(docs, settings, synonyms, state.version)
            subs[loc] = f"l{i}-{re.sub(r'[^A-Za-z0-9_-]', '_', loc)}"
            _save_ranker(ranker, tmp / subs[loc])
            encoder = encoders[loc]
            if encoder is not None:
                counted: list[int] = []
                semantic = Semantic.build(encoder, docs, said_documents(docs), ranker.rank,
                                          previous.get(encoder.name, ()), counted)
                semantic.save(tmp / subs[loc] / "semantic", ranker.rank)
                made[loc] = encoder.name
                self.encoded += sum(counted)
                del semantic
            del ranker
        del by_locale, previous
        EntryStore.build(views).save(tmp)
        del views
        (tmp / "build.json").write_text(json.dumps({"version": state.version, "locales": subs, "encoders": made},
                                                   ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder)

    def _previous_vectors(self) -> dict[str, list[VectorStore]]:
        """The current build's sentence vectors by encoder name (memory-mapped), and this worker's
        overlays of changed entries, for a new build to copy the rows of texts they already hold instead
        of encoding them again. Read before the new build is loaded: :meth:`_remove_old` deletes the
        older builds after that."""
        out: dict[str, list[VectorStore]] = {}
        for ranker in self.indexes.values():
            if ranker.semantic is not None and ranker.semantic.extra is not None:
                out.setdefault(ranker.semantic.encoder.name, []).append(ranker.semantic.extra)
        current = self._current()
        if not current:
            return out
        folder = self.folder / current.get("build", "")
        try:
            meta = json.loads((folder / "build.json").read_text(encoding="utf-8"))
            for loc, sub in meta.get("locales", {}).items():
                name = meta.get("encoders", {}).get(loc)
                info = Semantic.meta(folder / sub / "semantic")
                if name and info and info.get("encoder") == name:
                    out.setdefault(name, []).append(VectorStore.load(folder / sub / "semantic"))
        except (OSError, ValueError, KeyError):
            pass  # a build being removed: encode instead
        return out

    def _remove_old(self, keep: str) -> None:
        """Earlier builds go (workers that still map their files keep reading them until they move on)."""
        for path in self.folder.iterdir():
            if path.is_dir() and path.name != keep and path.name.startswith("v"):
                shutil.rmtree(path, ignore_errors=True)
            elif path.is_dir() and path.name.startswith(".v") and time.time() - path.stat().st_mtime > 3600:
                shutil.rmtree(path, ignore_errors=True)  # left by a build that died

    # -- entry by entry -------------------------------------------------------------------------

    def _apply_changes(self, state: State) -> None:
        """Index the entries changed since the shared build, alone; build afresh if too many changed."""
        based = len(self.entries.store)
        limit = max(DELTA_MIN, int(DELTA_SHARE * based)) if based else 0  # an empty build: build afresh
        rows = db.session.execute(db.select(*_entry_columns()).where(KbEntry.change_version > self.base_version)
                                  .order_by(KbEntry.id).limit(limit + 1)).all()
        if len(rows) > limit:
            with _file_lock(self.folder / "build.lock"):
                self._build_and_share(state)
            return
        changed: dict[int, EntryView | None] = {}
        docs: dict[str, list[Document]] = {}
        for row in rows:
            if row.status != "published":
                changed[row.id] = None
                continue
            view = changed[row.id] = _view(row)
            docs.setdefault(view.locale, []).append(_document(row, view))
        keys = list(changed)
        indexes = {}
        for loc in set(self._bases) | set(docs):
            base = self._bases.get(loc)
            if base is None:
                synonyms = next(iter(self._bases.values())).index.synonym_groups if self._bases else []
                base = self._bases[loc] = Ranker.build([], self._settings(), synonyms, self.base_version)
            if keys:
                semantic = self._updated_semantic(loc, base, docs.get(loc, []), keys)
                indexes[loc] = _updated_ranker(base, docs.get(loc, []), keys, state.version, semantic)
            else:
                indexes[loc] = base
        self.indexes = indexes
        self.entries = Entries(self.entries.store, changed)
        for cache in (self._sentences, self._html, self._copy):
            for key in keys:
                cache.pop(key, None)
        self.version = state.version
        if keys:
            self.updates += 1

    def warm_up(self, app: Flask) -> str:
        """Load (or build) the index at worker start-up (``sep_startup``) instead of on the first question.

        A shared build is loaded and the changes since it applied; without one, a small base is indexed
        at once, a large one in a background thread (the first questions wait for it). Returns what
        happened: ``loaded``, ``built``, ``background`` or ``skipped`` (no tables yet, e.g. before
        ``sep db upgrade``; the first question builds it then)."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            state = current_state()
            count = db.session.execute(db.select(db.func.count(KbEntry.id))
                                       .where(KbEntry.status == "published")).scalar() or 0
        except SQLAlchemyError:
            db.session.rollback()
            db.session.remove()
            return "skipped"
        self.checked_at = time.monotonic()
        self.folder = Path(app.instance_path) / INDEX_FOLDER
        if count < BACKGROUND_REBUILD_FROM or self._usable(self._current(), state):
            loads = self.loads
            with self.lock:
                self.refresh(state)
            db.session.remove()
            return "loaded" if self.loads > loads else "built"
        db.session.remove()
        self.lock.acquire()
        threading.Thread(target=self._refresh_in_background, args=(app, state), daemon=True).start()
        return "background"

    # -- answering ----------------------------------------------------------------------------

    def index_for(self, locale: str) -> Ranker | None:
        return self.indexes.get(locale) or self.indexes.get("ru") or next(iter(self.indexes.values()), None)

    def search(self, question: str, locale: str = "ru", limit: int = 4) -> tuple[Ranker | None, list[Hit]]:
        self.ensure_fresh()
        index = self.index_for(locale)
        if index is None:
            return None, []
        return index, index.search(question, limit)

    def answers(self, question: str, locale: str = "ru", limit: int = 4, meta: dict | None = None) -> list[Answer]:
        """The answers to a question; ``meta`` (the inquiry's) receives its key words for the log and
        the :class:`Decision` (``meta["kb_decision"]``) that ``sep_route`` and the page follow."""
        return self.consult(question, locale, limit, meta)[0]

    def consult(self, question: str, locale: str = "ru", limit: int = 4,
                meta: dict | None = None) -> tuple[list[Answer], Decision]:
        """The answers to a question and what to show of them (answer, choices or a request)."""
        self.ensure_fresh()
        index = self.index_for(locale)
        if index is None:
            decision = Decision("request")
            if meta is not None:
                meta["kb_decision"] = decision
            return [], decision
        query, hits = self._rank(index, question, locale, limit)
        decision = self.decide(hits, index)
        if meta is not None:
            meta["kb_keywords"] = sorted(set(query.terms))[:8]
            meta["kb_decision"] = decision
        return [self._answer(index, hit) for hit in hits], decision

    def _rank(self, index: Ranker, question: str, locale: str, limit: int) -> tuple[object, list[Hit]]:
        """The analysed question and its hits, remembered for the latest ``ranking_cache`` questions
        (exact text, locale, limit) while the indexes stay the same: citizens repeat standard questions,
        and a repeat then costs no ranking (the keyword indexes and the sentence encoder: most of an
        ask's CPU). Any change of the base installs new indexes, which empties the cache; the decision
        and the answers are made afresh from the hits every time (settings apply at once)."""
        size = int(plugin_settings(PLUGIN).get("ranking_cache", 0))
        if size <= 0:
            query = index.analyze_query(question)
            return query, index.search_query(query, limit)
        key = (locale, question, limit)
        with self._ranked_lock:
            if self._ranked_for is not self.indexes:
                self._ranked.clear()
                self._ranked_for = self.indexes
            cached = self._ranked.get(key)
            if cached is not None and cached[0] is index:
                self._ranked.move_to_end(key)
                return cached[1], [replace(h) for h in cached[2]]
        query = index.analyze_query(question)
        hits = index.search_query(query, limit)
        with self._ranked_lock:
            if self._ranked_for is self.indexes:
                self._ranked[key] = (index, query, tuple(replace(h) for h in hits))
                while len(self._ranked) > size:
                    self._ranked.popitem(last=False)
        return query, hits

    def decide(self, hits: list[Hit], index: Ranker | None = None) -> Decision:
        """The decision for ranked hits (keys are entry ids) of ``index`` under the configured policy."""
        settings = plugin_settings(PLUGIN)
        if is_fused(hits):  # re-ranked with the sentence encoder: its own calibration and thresholds
            fitted = index.semantic.fusion.policy if index is not None and index.semantic else FUSED_POLICY
            policy = Policy.from_settings({**fitted, **settings.get("decision_fused", {})})
        else:
            policy = Policy.from_settings(settings.get("decision", {}))
        # the core's SEP_BOT_CONFIDENCE_THRESHOLD stays a floor the deployer controls
        floor = float(current_app.config.get("SEP_BOT_CONFIDENCE_THRESHOLD", 0.0))
        if floor > policy.answer_threshold:
            policy = replace(policy, answer_threshold=floor)
        top = hits[0].score if hits and hits[0].score > 0 else 1.0
        return decide([(h.key, h.confidence, h.score / top) for h in hits], policy)

    def _answer(self, index: Ranker, hit: Hit) -> Answer:
        entry = self.entries[hit.key]
        terms = index.highlight_terms(hit)
        weights = {t: index.idf(t) or 1.0 for t in terms}
        frag = best_fragment(entry.answer_text, terms, index.analyzer.stem, weights,
                             analysed=self._analysed(entry, index))
        return Answer(
            source=PLUGIN, confidence=max(0.0, min(1.0, hit.confidence)), title=entry.question,
            fragment_html=frag.html, fragment_text=frag.text, entry_id=entry.id,
            external_id=entry.external_id, url=f"/ask/entry/{entry.id}",
            extra={"whole": frag.whole, "category": entry.category, "answer_html": self.html(entry),
                   "answer_text": entry.answer_text, "copy_text": self.copy_text(entry),
                   "keywords": sorted(terms)},
        )

    def html(self, entry: EntryView) -> str:
        """The answer as safe HTML (rendered on first use, then memoised; bounded)."""
        cached = self._html.get(entry.id)
        if cached is None:
            if len(self._html) >= 20_000:
                self._html.clear()
            cached = self._html[entry.id] = render_html(entry.answer_md)
        return cached

    def copy_text(self, entry: EntryView) -> str:
        """The title and the answer as plain text for copying: step numbers and bullets kept (memoised)."""
        cached = self._copy.get(entry.id)
        if cached is None:
            if len(self._copy) >= 20_000:
                self._copy.clear()
            cached = self._copy[entry.id] = f"{entry.question}\n\n{plain_text(entry.answer_md)}"
        return cached

    def _analysed(self, entry: EntryView, index: Ranker):
        """Sentences and stems of an answer, memoised (bounded cache; cleared with the index)."""
        cached = self._sentences.get(entry.id)
        if cached is None:
            if len(self._sentences) >= 20_000:
                self._sentences.clear()
            cached = self._sentences[entry.id] = analyse(entry.answer_text, index.analyzer.stem)
        return cached


def engine(app: Flask | None = None) -> Engine:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions.setdefault("kb_keyword_engine", Engine())


def current_version() -> int:
    return current_state().version


def current_state() -> State:
    row = db.session.execute(db.select(KbState.version, KbState.rebuild_version, KbState.token)
                             .where(KbState.id == 1)).first()
    if row is None:
        return State(0, 0, "")
    return State(row.version, row.rebuild_version or 0, row.token or "")


def bump_version(full: bool = False) -> int:
    """Mark the base changed (in the caller's transaction) and return the new version: every worker
    indexes the entries whose ``change_version`` is above its build's on its next check; with ``full``,
    the index is built afresh instead (e.g. the synonyms changed)."""
    state = db.session.get(KbState, 1)
    if state is None:
        state = KbState(id=1, version=1, rebuild_version=0, token=secrets.token_hex(16))
        db.session.add(state)
    else:
        state.version = KbState.version + 1
        if not state.token:
            state.token = secrets.token_hex(16)
    db.session.flush()
    version = state.version
    if full:
        state.rebuild_version = version
        db.session.flush()
    engine().stale = True
    return version
