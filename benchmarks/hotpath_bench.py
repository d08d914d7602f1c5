"""Benchmark of the hot path (issue 16): the core's cost per request against a plain Flask app.

In one run it starts, under the same gunicorn settings (2 sync workers, loopback ports), a plain
Flask hello-world app and SEP Help Desk (every built-in plugin, the demo knowledge base,
production settings, PostgreSQL), then loads each with a bounded client: 16 connections from 2
client processes of 8 threads, raw sockets, one request per connection (gunicorn's sync workers
close the connection after each response). Rounds of

    plain GET /  ->  SEP GET /api/v1/health  ->  SEP POST /api/v1/ask (logged)
    ->  SEP POST /api/v1/tickets with a PDF (a confirmed citizen per client)

are repeated (three by default) and every ratio is taken within its own round, so the machine's
other load hits both sides of a ratio alike; the median and the spread (min-max) are reported.
Targets: health >= 0.6 x plain; logged ask >= 0.5 x health; filing >= 0.2 x health with
p99 <= 150 ms at 16 clients.

The bot index part builds the kb_keyword index over 100,000 synthetic entries (sentences of the
rutube_faq passages recombined, as in kb_keyword_bench.py) in a fresh process, writes it to files,
and has two worker processes memory-map them and answer questions; it reports the build time and
the memory each worker holds for the index (see ``bot_memory`` below). With kb_semantic's package
installed it does the same for the sentence vectors over fewer entries (``--bot-semantic-entries``,
default 2,000: the encoder costs about 6.6 s of CPU per 1,000 entries): encoded once by the builder,
saved, memory-mapped by both workers (``semantic_memory``).

    .venv/bin/python benchmarks/hotpath_bench.py [--rounds 3] [--seconds 5] [--clients 16]
                                                 [--skip-bot] [--bot-entries 100000]
                                                 [--bot-semantic-entries 2000]

Needs gunicorn (``server`` extra) and PostgreSQL (``SEP_BENCH_PG``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``; a temporary database is created and
dropped). Results: ``benchmarks/results/hotpath.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
VENV_BIN = Path(sys.executable).parent
WORKERS = 2
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
       b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n"
       b"xref\n0 4\n"
       b"0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
       b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n")  # a valid one-page PDF: uploads are parsed
QUESTIONS = ["Как зарегистрироваться в личном кабинете?", "Не приходит код подтверждения на телефон",
             "Сколько стоит выписка из электронного паспорта?", "Забыл пароль, как войти?",
             "Как подать заявку на исправление данных?", "Какие браузеры поддерживаются?"]
# The asks' questions are generated (topics x openings x endings, then a number when those run out), so
# that no question repeats within a run: the consultant caches the vectors of repeated questions
# (kb_semantic ``question_cache``), and a bench that cycled through a few questions would measure the
# cache, not the encoder. Each client gets its own questions, a fresh slice for every round.
TOPICS = [*QUESTIONS, "Как получить выписку о транспортном средстве?", "Где посмотреть статус моей заявки?",
                      "Как сменить номер телефона в профиле?", "Во сколько открывается центр поддержки?",
                      "Почему не открывается электронный паспорт?", "Как удалить учётную запись?",
                      "Можно ли оплатить выписку картой?", "Как связаться с оператором?",
                      "Что делать, если данные в паспорте неверные?", "Как прикрепить документ к заявке?"]
OPENINGS = ["", "Здравствуйте! ", "Подскажите, пожалуйста: ", "Добрый день. ", "Вопрос: ", "Помогите: ",
            "Срочно! ", "Извините, ", "Скажите, ", "У меня проблема. "]
ENDINGS = ["", " Спасибо.", " Заранее благодарю!", " Очень нужно.", " Жду ответа.", " Не могу разобраться.",
           " Пробовал уже дважды.", " Это для юрлица.", " Пишу с телефона.", " Ответьте, пожалуйста."]
ASKS_PER_ROUND = 400  # per client and round: more than a client sends in 5 s here (~60 at 1,000 req/s)


def question(k: int) -> str:
    """The k-th generated question (all distinct)."""
    t, rest = k % len(TOPICS), k // len(TOPICS)
    o, rest = rest % len(OPENINGS), rest // len(OPENINGS)
    e, rest = rest % len(ENDINGS), rest // len(ENDINGS)
    topic = TOPICS[t][0].lower() + TOPICS[t][1:] if OPENINGS[o].endswith((", ", ": ")) else TOPICS[t]
    number = f" Номер обращения {rest}." if rest else ""
    return f"{OPENINGS[o]}{topic}{ENDINGS[e]}{number}"


def make_hello():
    """The reference: a plain Flask hello-world (``gunicorn 'hotpath_bench:make_hello()'``)."""
    from flask import Flask

    app = Flask("hello")

    @app.get("/")
    def hello():
        return "Hello, World!"

    return app


# -- servers ----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(target: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "--timeout", "60", target], env=env, cwd=str(cwd))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, _, _ = http("127.0.0.1", port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if status:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"gunicorn {target} did not start")


def http(host: str, port: int, raw: bytes) -> tuple[int, dict[str, list[str]], bytes]:
    """One request on a fresh connection; returns (status, headers, body)."""
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.sendall(raw)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers.setdefault(key.strip().lower(), []).append(value.strip())
    return status, headers, body


def request_bytes(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method == "POST":
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


# -- load -------------------------------------------------------------------------------------------

def _client_process(port: int, requests: list[list[bytes]], expect: int, seconds: float, queue) -> None:
    """8 threads (one per entry of ``requests``), each cycling through its own prepared requests."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def loop(mine: list[bytes]) -> None:
        own, bad, n = [], 0, 0
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                status, _, _ = http("127.0.0.1", port, mine[n % len(mine)])
            except OSError:
                status = 0
            n += 1
            if status == expect:
                own.append(time.perf_counter() - started)
            else:
                bad += 1
        with lock:
            latencies.extend(own)
            failures[0] += bad

    threads = [threading.Thread(target=loop, args=(mine,)) for mine in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((latencies, failures[0]))


def load(port: int, per_client: list[list[bytes]], expect: int, seconds: float, processes: int = 2) -> dict:
    """Run every client (one prepared request list each) for ``seconds``; returns rate and latency."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    groups = [per_client[i::processes] for i in range(processes)]
    procs = [ctx.Process(target=_client_process, args=(port, g, expect, seconds, queue)) for g in groups if g]
    for p in procs:
        p.start()
    latencies: list[float] = []
    failures = 0
    for _ in procs:
        lat, bad = queue.get()
        latencies.extend(lat)
        failures += bad
    for p in procs:
        p.join()
    latencies.sort()
    return {"rps": len(latencies) / seconds, "ok": len(latencies), "failed": failures,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else None}


# -- SEP set-up -------------------------------------------------------------------------------------

def postgres_database(base: str):
    """A temporary database; returns (url, drop)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"sep_hotpath_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


def sep_env(instance: Path, url: str, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEP_")}
    return {**env, "SEP_INSTANCE_PATH": str(instance), "SEP_DATABASE_URL": url, "SEP_SECRET_KEY": secret,
            "SEP_ENV": "production", "SEP_MAIL_BACKEND": "file"}


def prepare_sep(instance: Path, url: str, secret: str, clients: int) -> list[str]:
    """Migrate, load the demo base, create confirmed citizens; returns their session cookies."""
    from sep_core import User, create_app, db
    from sep_core.migrate import upgrade

    app = create_app({"SEP_INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret,
                      "SEP_ENV": "production", "SEP_MAIL_BACKEND": "file"})
    upgrade(app)
    cookies = []
    with app.app_context():
        app.extensions["sep"].pm.hook.sep_init_data(app=app, demo=True)
        db.session.commit()
        from sep_plugins.tickets.service import ensure_categories

        ensure_categories()
        serializer = app.session_interface.get_signing_serializer(app)
        for i in range(clients):
            user = User(email=f"hotpath{i}@example.org", phone=f"+7999000{i:04d}", surname="Тестов",
                        first_name=f"Клиент{i}", role="citizen", email_confirmed_at=datetime(2026, 1, 1),
                        phone_confirmed_at=datetime(2026, 1, 1), session_token=secrets.token_hex(8))
            db.session.add(user)
            db.session.flush()
            cookies.append(serializer.dumps({"_user_id": user.get_id(), "_fresh": True}))
        db.session.commit()
        db.engine.dispose()
    return cookies


class Browser:
    """A client's cookie jar, kept as a browser keeps it (a session the app rewrites is sent back
    rewritten, so the app does not rewrite it on every request)."""

    def __init__(self, port: int, session_cookie: str | None = None) -> None:
        self.port = port
        self.jar = {"sep_session": session_cookie} if session_cookie else {}

    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())

    def send(self, raw_for_cookie) -> tuple[int, bytes]:
        status, head, body = http("127.0.0.1", self.port, raw_for_cookie(self.cookie()))
        for raw in head.get("set-cookie", []):
            parsed = SimpleCookie()
            parsed.load(raw)
            self.jar.update({k: m.value for k, m in parsed.items()})
        return status, body

    def csrf(self) -> str:
        status, body = self.send(lambda c: request_bytes("GET", "/api/v1/csrf", {"Cookie": c} if c else {}))
        assert status == 200, (status, body[:200])
        return json.loads(body)["csrf_token"]


def ask_requests(port: int, client: int, slices: int) -> list[list[bytes]]:
    """``slices`` lists of ASKS_PER_ROUND asks with distinct questions (one list per round)."""
    browser = Browser(port)
    token = browser.csrf()

    def ask(q: str):
        body = json.dumps({"question": q}, ensure_ascii=False).encode()
        return lambda cookie: request_bytes("POST", "/api/v1/ask", {
            "Content-Type": "application/json", "Cookie": cookie, "X-CSRFToken": token}, body)

    status, body = browser.send(ask(QUESTIONS[0]))  # the session as the app leaves it after a question
    assert status == 200, (status, body[:200])
    cookie = browser.cookie()
    first = (client * slices) * ASKS_PER_ROUND
    return [[ask(question(first + r * ASKS_PER_ROUND + i))(cookie) for i in range(ASKS_PER_ROUND)]
            for r in range(slices)]


def filing_body(client: int, i: int) -> tuple[str, bytes]:
    """A citizen's filing with a one-page PDF, as a multipart body: (content type, body)."""
    boundary = uuid.uuid4().hex
    fields = {"category": "extract", "subject": f"hotpath-{client}-{i}",
              "description": f"Нагрузочная заявка {client}-{i}: прошу выдать выписку."}
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="scan.pdf"'
                 f"\r\nContent-Type: application/pdf\r\n\r\n".encode() + PDF + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def file_requests(port: int, session_cookie: str, client: int) -> list[bytes]:
    browser = Browser(port, session_cookie)
    token = browser.csrf()

    def filing(i: int):
        content_type, body = filing_body(client, i)
        return lambda cookie: request_bytes("POST", "/api/v1/tickets", {
            "Content-Type": content_type, "Cookie": cookie, "X-CSRFToken": token}, body)

    status, body = browser.send(filing(-1))
    assert status == 201, (status, body[:200])
    return [filing(i)(browser.cookie()) for i in range(4)]


# -- the bot index ----------------------------------------------------------------------------------

def _memory() -> dict:
    """This process's resident, proportional (shared pages divided among their users) and private
    memory, MB (/proc/self/smaps_rollup)."""
    out = {}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if parts and parts[0].rstrip(":") in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
                out[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {"rss": out["Rss"], "pss": out["Pss"], "private": out["Private_Clean"] + out["Private_Dirty"]}


def _bot_builder(entries: int, folder: str, queue) -> None:
    """Build the index over ``entries`` synthetic entries, write it to ``folder`` (what one worker or
    ``sep kb reindex`` does), and time one changed entry indexed alone."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from dataclasses import replace

    from kb_keyword_bench import documents, load, rss_mb, synthetic_base
    from sep_plugins.kb_keyword.matching import Index, MatchSettings

    passages, _ = load("rutube_faq")
    docs = documents(synthetic_base(passages, entries))
    import gc

    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    index = Index.build(docs, MatchSettings())
    build = time.perf_counter() - started
    changed = replace(docs[entries // 2], question="Как восстановить доступ к каналу после блокировки?")
    del docs
    gc.collect()
    after = rss_mb()
    started = time.perf_counter()
    index.save(folder)
    save = time.perf_counter() - started
    started = time.perf_counter()
    updated = index.updated([changed], version=2)
    update = time.perf_counter() - started
    hit = updated.search(changed.question, 1)[0].key == changed.key
    size = sum(f.stat().st_size for f in Path(folder).iterdir())
    queue.put({"entries": entries, "build_s": build, "save_s": save, "builder_mb": after - before,
               "files_mb": size / 2**20, "update_one_ms": 1000 * update, "update_found": hit,
               "arrays_mb": index.memory_bytes() / 2**20})


def _bot_worker(folder: str, barrier, queue) -> None:
    """A worker: memory-map the shared index, answer 200 questions, report its memory while the other
    worker holds the same files."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from kb_keyword_bench import load
    from sep_plugins.kb_keyword.matching import Index

    _, questions = load("rutube_faq")
    base = _memory()
    started = time.perf_counter()
    index = Index.load(folder)
    load_s = time.perf_counter() - started
    latencies = []
    for q in questions[:200]:
        t = time.perf_counter()
        index.search(q["question"], 5)
        latencies.append(1000 * (time.perf_counter() - t))
    barrier.wait()  # both workers have mapped and used the files
    now = _memory()
    barrier.wait()
    queue.put({"load_s": load_s, "query_p50_ms": statistics.median(latencies),
               "rss_mb": now["rss"] - base["rss"], "pss_mb": now["pss"] - base["pss"],
               "private_mb": now["private"] - base["private"]})
    barrier.wait()


def bot_memory(entries: int) -> dict:
    """A builder process writes the index; two worker processes memory-map it at once. ``worker_mb``
    is a worker's proportional memory (PSS) growth from before loading to after 200 questions: its
    private pages plus its half of the shared files' pages it touched; ``private_mb`` is what it
    holds alone, ``rss_mb`` what it maps (shared pages counted whole)."""
    ctx = multiprocessing.get_context("spawn")
    folder = tempfile.mkdtemp(prefix="sep_kb_index_")
    try:
        queue = ctx.Queue()
        proc = ctx.Process(target=_bot_builder, args=(entries, os.path.join(folder, "ix"), queue))
        proc.start()
        result = queue.get()
        proc.join()
        barrier = ctx.Barrier(2)
        workers = [ctx.Process(target=_bot_worker, args=(os.path.join(folder, "ix"), barrier, queue))
                   for _ in range(2)]
        for w in workers:
            w.start()
        per_worker = [queue.get() for _ in workers]
        for w in workers:
            w.join()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result["workers"] = per_worker
    for key in ("rss_mb", "pss_mb", "private_mb", "query_p50_ms", "load_s"):
        result[key] = max(w[key] for w in per_worker)
    result["worker_mb"] = result["pss_mb"]
    return result


def _semantic_builder(entries: int, folder: str, queue) -> None:
    """Encode ``entries`` synthetic entries' texts (what the build's child does per locale) and save the
    vectors; the time is what every worker spent at each start before the vectors were shared."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from kb_keyword_bench import documents, load, synthetic_base
    from sep_plugins.kb_keyword.matching.ranking import RankSettings, Semantic
    from sep_plugins.kb_semantic.encoder import load as load_encoder

    passages, _ = load("rutube_faq")
    from dataclasses import replace

    # integer keys, as the engine's entry ids (a saved table is keyed by them)
    docs = [replace(d, key=i) for i, d in enumerate(documents(synthetic_base(passages, entries)))]
    encoder = load_encoder(1)
    encoder.encode(["разогрев"])
    started = time.perf_counter()
    semantic = Semantic.build(encoder, docs, [], RankSettings())
    build = time.perf_counter() - started
    semantic.save(Path(folder), RankSettings())
    size = sum(f.stat().st_size for f in Path(folder).iterdir())
    queue.put({"semantic_entries": entries, "semantic_texts": len(semantic.store.digests),
               "semantic_build_s": build, "semantic_files_mb": size / 2**20})


def _semantic_worker(folder: str, entries: int, barrier, queue) -> None:
    """A worker with the encoder loaded: map the vectors, take the cosines of 200 questions with 30
    entries each, report its memory growth while the other worker maps the same files."""
    import random

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from kb_keyword_bench import load
    from sep_plugins.kb_keyword.matching.ranking import RankSettings, Semantic
    from sep_plugins.kb_semantic.encoder import load as load_encoder

    _, questions = load("rutube_faq")
    encoder = load_encoder(1)
    encoder.encode(["разогрев"])  # the encoder's own memory is not the vectors'
    base = _memory()
    started = time.perf_counter()
    semantic = Semantic.load(Path(folder), encoder, RankSettings())
    load_s = time.perf_counter() - started
    keys = list(range(entries))
    rng = random.Random(7)
    latencies = []
    for q in questions[:200]:
        t = time.perf_counter()
        semantic.signals(q["question"], rng.sample(keys, min(30, len(keys))))
        latencies.append(1000 * (time.perf_counter() - t))
    barrier.wait()
    now = _memory()
    barrier.wait()
    queue.put({"semantic_load_s": load_s, "semantic_query_p50_ms": statistics.median(latencies),
               "semantic_pss_mb": now["pss"] - base["pss"], "semantic_private_mb": now["private"] - base["private"],
               "semantic_rss_mb": now["rss"] - base["rss"]})
    barrier.wait()


def semantic_memory(entries: int) -> dict:
    """:func:`bot_memory` for the sentence vectors: one builder encodes and saves, two workers map."""
    ctx = multiprocessing.get_context("spawn")
    folder = tempfile.mkdtemp(prefix="sep_kb_vectors_")
    try:
        queue = ctx.Queue()
        proc = ctx.Process(target=_semantic_builder, args=(entries, folder, queue))
        proc.start()
        result = queue.get()
        proc.join()
        barrier = ctx.Barrier(2)
        workers = [ctx.Process(target=_semantic_worker, args=(folder, entries, barrier, queue)) for _ in range(2)]
        for w in workers:
            w.start()
        per_worker = [queue.get() for _ in workers]
        for w in workers:
            w.join()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for key in per_worker[0]:
        result[key] = max(w[key] for w in per_worker)
    return result


def semantic_available() -> bool:
    try:
        from sep_plugins.kb_semantic.encoder import load as load_encoder
    except ImportError:
        return False
    return load_encoder(1) is not None


def bot_runs(args) -> dict:
    """``--bot-runs`` runs of :func:`bot_memory` (and :func:`semantic_memory`); median (min–max)."""
    runs = []
    semantic = args.bot_semantic_entries > 0 and semantic_available()
    for _ in range(args.bot_runs):
        load_1m = os.getloadavg()[0]
        run = {**bot_memory(args.bot_entries), "load_1m": load_1m}
        if semantic:
            run.update(semantic_memory(args.bot_semantic_entries))
        runs.append(run)
        print(json.dumps(runs[-1]), flush=True)
    return {"runs": runs, "entries": args.bot_entries}


def bot_lines(bot: dict) -> list[str]:
    runs = bot["runs"]

    def sp(key: str, scale: float = 1.0, digits: int = 1) -> str:
        values = [r[key] * scale for r in runs]
        return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"

    loads = ", ".join(f"{r['load_1m']:.2f}" for r in runs)
    return [f"Bot index at {bot['entries']} entries, {len(runs)} runs (median (min–max); load average 1 min at "
            f"each start: {loads}; {os.cpu_count()} CPUs shared):", "",
            f"- build {sp('build_s')} s (target <= 15) in a builder process, written in {sp('save_s')} s to "
            f"{sp('files_mb', digits=0)} MB of files; the builder keeps {sp('builder_mb', digits=0)} MB resident "
            "after it;",
            f"- memory per worker (two workers memory-map the files and answer 200 questions each): "
            f"proportional {sp('pss_mb', digits=0)} MB (target <= 150), private {sp('private_mb', digits=0)} MB, "
            f"resident {sp('rss_mb', digits=0)} MB (shared pages counted whole); load {sp('load_s', 1000, 0)} ms;",
            f"- query p50 {sp('query_p50_ms', digits=2)} ms; one changed entry indexed alone (no rebuild) in "
            f"{sp('update_one_ms', digits=0)} ms, found by its new wording: "
            f"{all(r['update_found'] for r in runs)}.", *semantic_lines(runs, sp)]


def semantic_lines(runs: list[dict], sp) -> list[str]:
    if not runs or "semantic_entries" not in runs[0]:
        return []
    n = runs[0]["semantic_entries"]
    return [f"- sentence vectors (kb_semantic), at {n} entries only ({runs[0]['semantic_texts']} texts; the "
            f"encoder is the cost): encoded once in {sp('semantic_build_s')} s by the builder (before they were "
            f"shared, every worker spent this at every start), {sp('semantic_files_mb')} MB of files; each of two "
            f"workers maps them in {sp('semantic_load_s', 1000, 1)} ms and holds proportional "
            f"{sp('semantic_pss_mb')} MB, private {sp('semantic_private_mb')} MB after 200 questions "
            f"(cosines with 30 entries: p50 {sp('semantic_query_p50_ms', digits=2)} ms, the question's encoding "
            "included)."]


def bot_main(args) -> None:
    bot = bot_runs(args)
    lines = bot_lines(bot)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hotpath_bot.json").write_text(json.dumps(bot, indent=1) + "\n")
    print("\n".join(lines))


# -- main -------------------------------------------------------------------------------------------

def health_note(args) -> str:
    if args.health_check_seconds is None:
        return " (health checks the database at most once a second per worker)"
    return f" with SEP_HEALTH_CHECK_SECONDS = {args.health_check_seconds:g}"


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--skip-bot", action="store_true")
    parser.add_argument("--bot-only", action="store_true", help="only the bot index part (no servers)")
    parser.add_argument("--bot-runs", type=int, default=3, help="runs of the bot index part (median and spread)")
    parser.add_argument("--bot-entries", type=int, default=100_000)
    parser.add_argument("--bot-semantic-entries", type=int, default=2000,
                        help="entries whose sentence vectors the bot part encodes and shares (0: none)")
    parser.add_argument("--health-check-seconds", type=float, default=None,
                        help="SEP_HEALTH_CHECK_SECONDS for SEP (0: a database query on every health call)")
    args = parser.parse_args()
    if args.bot_only:
        bot_main(args)
        return
    load_start = os.getloadavg()
    started = time.perf_counter()
    url, drop = postgres_database(os.environ.get("SEP_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    instance = Path(tempfile.mkdtemp(prefix="sep_hotpath_"))
    secret = secrets.token_hex(16)
    servers = []
    rounds = []
    try:
        if args.health_check_seconds is not None:
            (instance / "config.py").write_text(f"SEP_HEALTH_CHECK_SECONDS = {args.health_check_seconds!r}\n")
        cookies = prepare_sep(instance, url, secret, args.clients)
        plain, plain_port = gunicorn("hotpath_bench:make_hello()", {**os.environ}, ROOT / "benchmarks")
        servers.append(plain)
        sep, port = gunicorn("sep_core:create_app()", sep_env(instance, url, secret), instance)
        servers.append(sep)
        n = args.clients
        plain_req = [[request_bytes("GET", "/")]] * n
        health_req = [[request_bytes("GET", "/api/v1/health")]] * n
        ask_req = [ask_requests(port, i, args.rounds + 1) for i in range(n)]
        file_req = [file_requests(port, cookies[i], i) for i in range(n)]
        # warm-up: every worker imports, connects and builds its index (not measured)
        load(port, [a[0] for a in ask_req], 200, 2.0)
        load(plain_port, plain_req, 200, 1.0)
        for r in range(args.rounds):
            row = {"round": r + 1, "load_1m": os.getloadavg()[0]}
            row["plain"] = load(plain_port, plain_req, 200, args.seconds)
            row["health"] = load(port, health_req, 200, args.seconds)
            row["ask"] = load(port, [a[r + 1] for a in ask_req], 200, args.seconds)
            row["file"] = load(port, file_req, 201, args.seconds)
            row["health_vs_plain"] = row["health"]["rps"] / row["plain"]["rps"]
            row["ask_vs_health"] = row["ask"]["rps"] / row["health"]["rps"]
            row["file_vs_health"] = row["file"]["rps"] / row["health"]["rps"]
            rounds.append(row)
            print(json.dumps(row), flush=True)
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)
        shutil.rmtree(instance, ignore_errors=True)
        drop()
    bot = None if args.skip_bot else bot_runs(args)
    load_end = os.getloadavg()
    report = {"rounds": rounds, "bot": bot, "clients": args.clients, "seconds": args.seconds,
              "gunicorn": f"{WORKERS} sync workers", "cpus": os.cpu_count(),
              "load_average_start": load_start, "load_average_end": load_end,
              "total_s": time.perf_counter() - started}
    lines = ["# hot path benchmark (issue 16)", "",
             f"gunicorn {WORKERS} sync workers for both apps; {args.clients} clients (2 processes x "
             f"{args.clients // 2} threads, one request per connection); {args.rounds} rounds of "
             f"{args.seconds:g} s per measurement; SEP on PostgreSQL with every built-in plugin, production "
             f"settings{health_note(args)}, demo knowledge base; {os.cpu_count()} CPUs shared with the clients, "
             f"PostgreSQL and "
             f"whatever else ran. Load average (1/5/15 min) at start "
             f"{'/'.join(f'{x:.2f}' for x in load_start)}, at end {'/'.join(f'{x:.2f}' for x in load_end)}; "
             f"run {datetime.now().isoformat(timespec='seconds')}.", "",
             "Ratios are taken within each round (both sides under the same load); median (min–max) of the "
             "rounds.", "",
             "| round | load 1m | plain req/s | health req/s | ask req/s | filing req/s | filing p50 ms | "
             "filing p99 ms | health/plain | ask/health | filing/health | failed |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rounds:
        failed = sum(row[k]["failed"] for k in ("plain", "health", "ask", "file"))
        lines.append(f"| {row['round']} | {row['load_1m']:.2f} | {row['plain']['rps']:.0f} | "
                     f"{row['health']['rps']:.0f} | {row['ask']['rps']:.0f} | {row['file']['rps']:.0f} | "
                     f"{row['file']['p50_ms']:.1f} | {row['file']['p99_ms']:.1f} | {row['health_vs_plain']:.3f} | "
                     f"{row['ask_vs_health']:.3f} | {row['file_vs_health']:.3f} | {failed} |")
    if rounds:
        lines += ["", f"- health ÷ plain app: {spread([r['health_vs_plain'] for r in rounds])} (target >= 0.6)",
                  f"- logged ask ÷ health: {spread([r['ask_vs_health'] for r in rounds])} (target >= 0.5)",
                  f"- filing with a PDF ÷ health: {spread([r['file_vs_health'] for r in rounds])} (target >= 0.2)",
                  f"- filing p99 at {args.clients} clients, ms: "
                  f"{spread([r['file']['p99_ms'] for r in rounds])} (target <= 150)"]
    if bot:
        lines += ["", *bot_lines(bot)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hotpath.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    (RESULTS / "hotpath.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
