"""Per-call time of calendar_ru's sep_availability and sep_deadline (the hot path).

Run: ``.venv/bin/python benchmarks/calendar_ru_hooks_bench.py [--calls N]``. Builds an app with
calendar_ru on a temporary SQLite database holding a few overrides and maintenance windows, then
times (a) the plugin's hook implementations called through pluggy and (b) the core helpers
``sep_core.availability`` / ``sep_core.deadline`` that combine every plugin. It also counts SQL
statements during the timed loops (expected: 0) and prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta

from sqlalchemy import event

from sep_core import MOSCOW, availability, create_app, db, deadline


def build_app(instance: str):
    app = create_app({"SEP_ENV": "testing", "SECRET_KEY": "bench", "SEP_INSTANCE_PATH": instance,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.sqlite3",
                      "SEP_PLUGINS": ["calendar_ru"]})
    with app.app_context():
        db.create_all()
        from sep_plugins.calendar_ru import operations

        for i in range(20):
            operations.create_override(None, date(2026, 3, 2) + timedelta(days=7 * i), "hours",
                                       hours="08:00-12:00, 13:00-17:00", reason=f"bench {i}")
        for i in range(20):
            start = datetime(2026, 1, 5, 1, tzinfo=MOSCOW) + timedelta(days=9 * i)
            operations.create_window(None, start, start + timedelta(hours=2), ["bot", "tickets"], f"bench {i}")
    return app


def timed(fn, args_list, repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for args in args_list:
            fn(*args)
        runs.append((time.perf_counter() - t0) / len(args_list) * 1e6)
    return {"median_us": round(statistics.median(runs), 2), "min_us": round(min(runs), 2),
            "max_us": round(max(runs), 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    opts = parser.parse_args()
    rnd = random.Random(42)
    base = datetime(2019, 1, 1, tzinfo=MOSCOW)
    moments = [base + timedelta(seconds=rnd.randrange(0, 8 * 365 * 86400)) for _ in range(opts.calls)]
    services = ["phone", "tickets", "bot"]
    with tempfile.TemporaryDirectory() as instance:
        app = build_app(instance)
        with app.app_context():
            hook = app.extensions["sep"].pm.hook
            statements = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            availability("phone", moments[0])  # warm the cache
            statements.clear()
            avail_args = [(services[i % 3], m) for i, m in enumerate(moments)]
            dl_args = [("tickets", m, float(rnd.choice([1, 8, 24, 72]))) for m in moments]
            result = {
                "calls_per_run": opts.calls, "repeats": opts.repeats,
                "hook_sep_availability": timed(lambda s, a: hook.sep_availability(service=s, at=a),
                                               avail_args, opts.repeats),
                "hook_sep_deadline": timed(lambda s, a, h: hook.sep_deadline(service=s, start=a, hours=h),
                                           dl_args, opts.repeats),
                "core_availability": timed(availability, avail_args, opts.repeats),
                "core_deadline": timed(deadline, dl_args, opts.repeats),
                "sql_statements_during_timed_calls": len(statements),
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
