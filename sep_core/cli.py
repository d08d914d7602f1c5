"""The ``sep`` command: a Flask CLI group bound to the app factory; plugins add sub-commands
through ``sep_cli``."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from .errors import ConfigError


def _create_app():
    from .app import create_app

    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             help="SEP Help Desk management commands.")
def main() -> None:
    """Entry point of the ``sep`` console script."""


@main.command("init")
@click.option("--demo", is_flag=True, help="Also load the demo data of every enabled plugin.")
@with_appcontext
def init_command(demo: bool) -> None:
    """Create or upgrade the database and load initial (or demo) data."""
    from .extensions import db
    from .migrate import upgrade

    upgrade(current_app._get_current_object())  # type: ignore[attr-defined]
    current_app.extensions["sep"].pm.hook.sep_init_data(app=current_app._get_current_object(), demo=demo)  # type: ignore[attr-defined]
    db.session.commit()
    click.echo("Database ready" + (" with demo data." if demo else "."))
    if demo and current_app.config["SEP_ENV"] != "production":
        from . import demo_accounts

        click.echo(demo_accounts.report(demo_accounts.ensure()))


@main.command("demo-accounts")
@click.option("--new-passwords", is_flag=True, help="Set and print new passwords for the demo accounts.")
@with_appcontext
def demo_accounts_command(new_passwords: bool) -> None:
    """Create the demo accounts (citizen, duty specialist, profile specialist, administrator) and
    print their passwords once; never in production."""
    from . import demo_accounts

    if current_app.config["SEP_ENV"] == "production":
        raise click.ClickException("demo accounts are never created in production")
    click.echo(demo_accounts.report(demo_accounts.ensure(new_passwords=new_passwords)))


@main.group("plugins", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "show_all", is_flag=True, help="Include the core's default implementations.")
@click.pass_context
def plugins_command(ctx: click.Context, as_json: bool, show_all: bool) -> None:
    """List the enabled plugins, in priority order, with their hooks (``sep plugins new NAME``
    starts a new one)."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        rows = describe_plugins(app, show_all)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['name']} {row['version']}: {', '.join(row['hooks'])}")


@plugins_command.command("new")
@click.argument("name")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write it (default: ./NAME).")
def plugins_new(name: str, directory: Path | None) -> None:
    """Write a new channel plugin NAME as its own distribution (pyproject.toml, package, tests)."""
    from .scaffold import write_skeleton

    target = directory or Path(name)
    try:
        written = write_skeleton(name, target)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from exc
    click.echo(f"Wrote {len(written)} files to {target}/. Next: cd {target} && pytest "
               f"(then pip install -e . and SEP_PLUGINS=\"+{name}\" to enable it).")


def describe_plugins(app, show_all: bool = False) -> list[dict]:

    from .plugins import CORE_PLUGIN_NAME, hook_names

    state = app.extensions["sep"]
    pm = state.pm
    rows = []
    for info in pm.enabled():
        path = Path(info.path)
        contributed = state.contributions.get(info.name, {})
        rows.append({
            "name": info.name,
            "version": info.version,
            "origin": info.origin,
            "distribution": info.distribution,
            "module": getattr(info.module, "__name__", type(info.module).__name__),
            "hooks": hook_names(pm, info.module),
            "blueprints": contributed.get("blueprints", []),
            "channels": contributed.get("channels", []),
            "transports": contributed.get("transports", []),
            "templates": (path / "templates").is_dir(),
            "static": (path / "static").is_dir(),
            "migrations": (path / "migrations").is_dir(),
            "translations": (path / "translations").is_dir(),
        })
    if show_all:
        for name in (CORE_PLUGIN_NAME, "sep_core.conversations"):  # the second with chat channels only
            internal = pm.get_plugin(name)
            if internal is not None:
                rows.append({"name": name, "version": "core", "hooks": hook_names(pm, internal)})
    return rows


@main.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now and exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds to sleep when idle.")
@with_appcontext
def worker_command(once: bool, interval: float) -> None:
    """Deliver the outbox (e-mail, SMS, social replies) with retries."""
    from .outbox import run_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = {"flag": False}

    def request_stop(signum, frame):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    report = run_worker(app, once=once, interval=interval, should_stop=lambda: stop["flag"])
    click.echo(f"sent {report.sent}, retried {report.retried}, failed {report.failed}")


@main.group("outbox")
def outbox_group() -> None:
    """The outbox of outbound deliveries."""


@outbox_group.command("purge")
@click.option("--older-than-days", type=click.FloatRange(min=0), default=None,
              help="Retention in days (default: SEP_OUTBOX_RETENTION_DAYS).")
@with_appcontext
def outbox_purge(older_than_days: float | None) -> None:
    """Delete sent (and failed-for-good) messages past the retention period; pending ones stay.
    `sep worker` does this by itself every SEP_OUTBOX_PURGE_INTERVAL_SECONDS."""
    from .outbox import purge

    click.echo(f"purged {purge(older_than_days)} message(s)")


@main.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every pending migration (core and enabled plugins) up to their heads."""
    from .migrate import current_heads, upgrade

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    upgrade(app)
    click.echo("Database at: " + ", ".join(sorted(current_heads(app))))


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--branch", required=True, help="sep_core or the plugin name.")
@click.option("--version-path", default=None, help="The branch's versions folder.")
@with_appcontext
def db_revision(message: str, branch: str, version_path: str | None) -> None:
    """Autogenerate a migration on a branch (for developers)."""
    from .migrate import revision

    revision(current_app._get_current_object(), message, branch, version_path)  # type: ignore[attr-defined]


@main.group("users")
def users_group() -> None:
    """Accounts."""


@users_group.command("create-staff")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["duty", "specialist", "kb_editor", "admin"]))
@click.option("--profile", "profiles", multiple=True, help="Specialist profile (repeatable).")
@click.option("--name", default="", help="Display name (surname first).")
@click.password_option("--password", prompt="Password", help="At least 12 characters.")
@with_appcontext
def create_staff(email: str, role: str, profiles: tuple[str, ...], name: str, password: str) -> None:
    """Create a staff account (or change the role of an existing one)."""
    from .accounts import create_or_update_staff

    try:
        user, created = create_or_update_staff(email, role, list(profiles), password, name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(("Created" if created else "Updated") + f" {role} #{user.id}")


@main.group("tokens")
def tokens_group() -> None:
    """API tokens of staff and service accounts (Authorization: Bearer)."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(["tickets:read", "tickets:write", "kb:read", "kb:write", "reports:read"]),
              help="What the token may do (repeatable).")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None, help="Lifetime in days (default: none).")
@click.option("--name", default="", help="What the token is for (shown in listings).")
@click.option("--rate-per-minute", type=click.IntRange(1, 100_000), default=None,
              help="Calls per minute (default: SEP_API_TOKEN_RATE_PER_MINUTE).")
@click.option("--service-role", type=click.Choice(["duty", "specialist", "kb_editor", "admin"]), default=None,
              help="Create EMAIL as a service account with this role if it does not exist (no password: it "
                   "cannot sign in, only call the API).")
@click.option("--json", "as_json", is_flag=True, help='Print {"id": ..., "token": "..."}.')
@with_appcontext
def tokens_create(email: str, scopes: tuple[str, ...], expires_days: int | None, name: str,
                  rate_per_minute: int | None, service_role: str | None, as_json: bool) -> None:
    """Create a token for the staff account EMAIL. The token is printed once and never stored."""
    from .accounts import normalise_email
    from .extensions import db
    from .models import User
    from .tokens import TokenError, create_token

    try:
        address = normalise_email(email)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    user = db.session.execute(db.select(User).filter_by(email=address)).scalar_one_or_none()
    if user is None and service_role:
        user = User(email=address, role=service_role, surname="service", first_name=name[:100])
        db.session.add(user)
        db.session.flush()
    if user is None:
        raise click.ClickException("no account with this e-mail (use --service-role to create a service account)")
    try:
        row, plain = create_token(user, scopes, expires_days=expires_days, name=name,
                                  rate_per_minute=rate_per_minute)
    except TokenError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"id": row.id, "token": plain}))
    else:
        click.echo(f"Token #{row.id} (shown once, keep it secret): {plain}")


@tokens_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def tokens_list(as_json: bool) -> None:
    """Every token with its account, scopes, state and last use (never the token itself)."""
    from .extensions import db
    from .models import ApiToken
    from .tokens import describe

    rows = [describe(r) for r in db.session.execute(db.select(ApiToken).order_by(ApiToken.id)).scalars()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"#{r['id']} {r['prefix']}… {r['user']} {' '.join(r['scopes'])} {r['state']} "
                   f"expires={r['expires_at'] or '-'} last_used={r['last_used_at'] or '-'} {r['name']}")


@tokens_group.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def tokens_revoke(token_id: int) -> None:
    """Revoke a token at once (its calls get 401 from now on)."""
    from .extensions import db
    from .models import ApiToken
    from .tokens import revoke_token

    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"no token #{token_id}")
    revoke_token(row, None)
    click.echo(f"Token #{token_id} revoked")


@main.group("i18n")
def i18n_group() -> None:
    """Message catalogs of the core and the enabled plugins."""


def _catalog_targets(app, only: str | None) -> list[tuple[str, Path, str]]:

    targets = [("sep_core", Path(__file__).parent, "sep_core")]
    targets += [(info.name, Path(info.path), f"sep_{info.name}") for info in app.extensions["sep"].pm.enabled()]
    return [t for t in targets if only in (None, t[0])]


@i18n_group.command("update")
@click.option("--plugin", default=None, help="Only this plugin (or sep_core).")
@with_appcontext
def i18n_update(plugin: str | None) -> None:
    """Extract messages and update every language's .po file."""
    from .catalogs import update

    for _name, folder, domain in _catalog_targets(current_app, plugin):
        for locale in current_app.config["SEP_LANGUAGES"]:
            if locale != "en":  # message ids are English
                click.echo(update(folder, domain, locale))


@i18n_group.command("check")
@click.option("--plugin", default=None, help="Only this plugin (or sep_core).")
@with_appcontext
def i18n_check(plugin: str | None) -> None:
    """List untranslated messages; exit 1 if there are any."""
    from .catalogs import missing

    total = 0
    for name, folder, domain in _catalog_targets(current_app, plugin):
        for locale in current_app.config["SEP_LANGUAGES"]:
            if locale == "en":
                continue
            for msgid in missing(folder, domain, locale):
                total += 1
                click.echo(f"{name} [{locale}]: {msgid}")
    if total:
        raise SystemExit(1)
    click.echo("All messages translated.")


if __name__ == "__main__":
    main()
