"""The application factory: config -> extensions -> plugins -> blueprints -> check."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, g
from jinja2 import ChoiceLoader, FileSystemLoader

from . import plugins as plugin_loading
from . import tokens
from .api import SafeJSONProvider
from .channels import Channel, register_channels
from .clock import system_now
from .config import builtin_plugin_names, load_config
from .extensions import babel, csrf, db, login_manager
from .i18n import MergedDomain, load_catalogs, select_locale
from .inputs import register_input_rules, register_url_converters
from .logbuffer import LogBuffer, init_log_buffer
from .outages import register_outage_handlers
from .plugins import SepPluginManager
from .ratelimit import RateLimiter, init_rate_limiter
from .request import SepRequest
from .web import register_error_handlers, register_security_headers, register_template_globals

log = logging.getLogger("sep")


@dataclass
class SepState:
    """Everything the core keeps per app, at ``app.extensions["sep"]``."""

    pm: SepPluginManager
    clock: Callable[[], datetime] = system_now
    channels: dict[str, Channel] = field(default_factory=dict)
    transports: dict[str, Callable[[dict[str, Any]], None]] = field(default_factory=dict)
    translations: dict[str, Any] = field(default_factory=dict)
    migration_dirs: list[str] = field(default_factory=list)
    contributions: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    rate_limiter: RateLimiter | None = None
    log_buffer: LogBuffer | None = None
    health: tuple[float | None, bool] = (None, False)
    """(monotonic time, verdict) of the last database check of ``/api/v1/health``."""

    def contributed(self, plugin: str, kind: str, name: str) -> None:
        self.contributions.setdefault(plugin, {}).setdefault(kind, []).append(name)

    def settings(self, plugin: str) -> dict[str, Any]:
        return self.pm.plugin_info[plugin].settings


def create_app(config: dict[str, Any] | None = None, *, plugins: list[tuple[str, object]] | None = None) -> Flask:
    """Build an app.

    ``config`` overrides every other source. ``plugins`` registers extra ``(name, object)``
    plugins directly, ahead of the configured ones (used by tests and embedding code).
    """
    instance_path = os.environ.get("SEP_INSTANCE_PATH") or (config or {}).get("SEP_INSTANCE_PATH")
    app = Flask("sep_core", instance_path=str(Path(instance_path).resolve()) if instance_path else None,
                instance_relative_config=True)
    load_config(app, config)
    app.request_class = SepRequest
    app.json = SafeJSONProvider(app)
    register_url_converters(app)
    if app.config["SEP_TRUSTED_PROXIES"]:
        # Behind a reverse proxy the client's address, scheme and host are in X-Forwarded-*;
        # per-IP rate limits would otherwise count every citizen as the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["SEP_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    plan = plugin_loading.plan_plugins(app.config["SEP_PLUGINS"], builtin_plugin_names)
    pm = plugin_loading.build_manager([name for name, _ in plan], plugins)
    for name, origin in plan:
        pm.plugin_info[name].origin = origin
    if app.config["SEP_TRACE_PLUGINS"]:
        _trace_hooks(pm)
    state = SepState(pm=pm, rate_limiter=init_rate_limiter(app))
    app.extensions["sep"] = state
    plugin_loading.configure_plugins(pm, app.config["SEP_PLUGIN_CONFIG"])

    db.init_app(app)
    _tune_engine(app)
    state.log_buffer = init_log_buffer(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = None

    translation_dirs = [pair for _, group in collect(pm, "sep_translation_dirs") for pair in group]
    state.translations = load_catalogs([(str(d), dom) for d, dom in translation_dirs], app.config["SEP_LANGUAGES"])
    babel.init_app(app, locale_selector=select_locale)
    babel.domain_instance = MergedDomain()  # answers from the app's merged catalogs
    state.migration_dirs = [str(d) for _, group in collect(pm, "sep_migration_dirs") for d in group]

    _register_templates(app, pm)
    for plugin, group in collect(pm, "sep_blueprints", app=app):
        for blueprint in group:
            app.register_blueprint(blueprint)
            state.contributed(plugin, "blueprints", blueprint.name)
    channels, owners = [], {}
    for plugin, group in collect(pm, "sep_register_channels", app=app):
        for channel in group:
            channels.append(channel)
            owners[channel.name] = plugin
            state.contributed(plugin, "channels", channel.name)
    state.channels = register_channels(app, channels)
    for plugin, transports in reversed(collect(pm, "sep_transports", app=app)):
        state.transports.update(transports)
        for kind in transports:
            state.contributed(plugin, "transports", kind)
    _enable_conversations(app, pm, state)
    for channel in state.channels.values():
        if channel.name not in state.transports:  # the channel's own deliver is its transport
            state.transports[channel.name] = channel.deliver
            state.contributed(owners[channel.name], "transports", channel.name)
    pm.hook.sep_cli(cli=app.cli, app=app)

    register_error_handlers(app)
    register_outage_handlers(app)
    register_input_rules(app)
    tokens.init_app(app)  # after the input rules, before CSRF
    register_security_headers(app)
    register_template_globals(app)
    _register_user_loader(app)
    _register_dev_delivery(app)

    plugin_loading.validate(pm)
    with app.app_context():
        pm.hook.sep_startup(app=app)
    return app


def _enable_conversations(app: Flask, pm: SepPluginManager, state: SepState) -> None:
    """With at least one conversational (chat) channel enabled, the core adds its pages and the
    hooks every chat channel shares (staff replies to chats, codes through chats, personal data),
    whichever plugin owns the channels."""
    from .conversations import ConversationalChannel, hooks, views

    if any(isinstance(channel, ConversationalChannel) for channel in state.channels.values()):
        pm.register(hooks, name=hooks.NAME)
        app.register_blueprint(views.blueprint)


def collect(pm: SepPluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a contribution hook plugin by plugin, in call order, keeping who returned what.

    Each implementation gets only the arguments it declares, as pluggy would pass them.
    """
    results = []
    for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):
        if impl.wrapper or impl.hookwrapper:
            continue
        value = impl.function(**{name: kwargs[name] for name in impl.argnames})
        if value is not None:
            results.append((impl.plugin_name, value))
    return results


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; no fsync per commit
    cursor.execute("PRAGMA busy_timeout=10000")  # wait for a lock instead of failing at once
    cursor.close()


_IDLE_SINCE = "sep_idle_since"


def _ping_idle_connections(engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only when it sat idle for ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` costs a round trip on every checkout, i.e. on every request
    that touches the database. A connection in steady use was just seen working; one that sat
    idle (the database may have restarted meanwhile) is pinged, and replaced if dead. A
    database restart within the idle window can still fail one request per worker, after which
    SQLAlchemy drops the whole pool."""
    from time import monotonic

    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "connect")
    def fresh(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = monotonic()

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy) -> None:
        if monotonic() - record.info.get(_IDLE_SINCE, 0.0) < idle_seconds:
            return
        try:
            ok = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("stale pooled connection") from exc
        if ok is False:
            raise DisconnectionError("stale pooled connection")


def _tune_engine(app: Flask) -> None:
    """SQLite (the embedded default) with a write-ahead log: several gunicorn workers and the
    outbox worker write concurrently, and each inquiry is logged, so commits must be cheap.
    Pooled connections are checked only after being idle (see :func:`_ping_idle_connections`)."""
    from sqlalchemy import event

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
        idle = app.config["SEP_DB_PING_IDLE_SECONDS"]
        if idle is not None and not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
            _ping_idle_connections(db.engine, float(idle))


def _register_templates(app: Flask, pm: SepPluginManager) -> None:
    """Core templates first, then each plugin's ``templates/`` folder, in plugin order."""
    folders = [str(Path(__file__).parent / "templates")]
    for info in pm.enabled():
        folder = Path(info.path) / "templates"
        if info.path and folder.is_dir():
            folders.append(str(folder))
    app.jinja_loader = ChoiceLoader([FileSystemLoader(folders)])  # type: ignore[assignment]


def _register_user_loader(app: Flask) -> None:
    from .models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        # The id carries the rotating session token: an old cookie dies at the next sign-in.
        try:
            raw_id, _, token = user_id.partition(":")
            user = db.session.get(User, int(raw_id))
        except (ValueError, TypeError):
            return None
        if user is None or not user.active or (user.session_token or "") != token:
            return None
        g._login_user = user
        return user


def _register_dev_delivery(app: Flask) -> None:
    """In development, deliver the outbox right after a request that queued something, so
    ``make run`` needs no worker; production runs ``sep worker``.

    A request that queued nothing pays nothing (no query): only every
    ``SEP_OUTBOX_SWEEP_SECONDS`` does one such request also deliver what is due from elsewhere
    (retries, rows queued by a command)."""
    if not app.config["SEP_OUTBOX_DELIVER_AFTER_REQUEST"]:
        return

    from time import monotonic

    from .outbox import QUEUED, drain

    sweep_every = float(app.config["SEP_OUTBOX_SWEEP_SECONDS"])
    last_sweep = [-sweep_every]

    @app.teardown_request
    def deliver_after_request(exc):
        if exc is not None:
            return
        queued = db.session.info.pop(QUEUED, False)
        if not queued and monotonic() - last_sweep[0] < sweep_every:
            return
        last_sweep[0] = monotonic()
        try:
            drain(limit=20)
        except Exception:  # delivery problems never break the page; the worker retries
            db.session.rollback()
            log.exception("development delivery failed")


def _trace_hooks(pm: SepPluginManager) -> None:
    # Names and types only: hook arguments and results carry personal data (users, inquiries,
    # registry owners), and this may be switched on in production.
    def before(hook_name, hook_impls, kwargs):
        log.warning("hook %s -> %s", hook_name, [i.plugin_name for i in hook_impls])

    def after(outcome, hook_name, hook_impls, kwargs):
        if outcome.exception is not None:
            log.warning("hook %s raised %s", hook_name, type(outcome.exception).__name__)
            return
        value = outcome.get_result()
        shape = [type(v).__name__ for v in value] if isinstance(value, list) else type(value).__name__
        log.warning("hook %s returned %s", hook_name, shape)

    pm.add_hookcall_monitoring(before, after)
