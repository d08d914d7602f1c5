"""``sep tickets ...`` commands."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from sep_core import db

from . import profiles, service


@click.group("tickets")
def group() -> None:
    """The request service."""


@group.command("close-answered")
@with_appcontext
def close_answered() -> None:
    """Close answered requests whose reopening period is over (run daily)."""
    click.echo(f"closed {service.close_expired_answers()}")


@group.command("purge-uploads")
@with_appcontext
def purge_uploads() -> None:
    """Remove uploads kept for forms that were never sent again."""
    click.echo(f"removed {service.purge_pending()}")


@group.group("profiles")
def profiles_group() -> None:
    """Specialist profiles (the list escalation and categories pick from)."""


@profiles_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def profiles_list(as_json: bool) -> None:
    """Every profile with the number of active specialists who have it."""
    rows = [{"code": p.code, "name_ru": p.name_ru, "name_en": p.name_en, "active": p.active,
             "specialists": len(profiles.specialists(p.code))} for p in profiles.all_profiles()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        state = "active" if row["active"] else "inactive"
        click.echo(f"{row['code']}\t{state}\t{row['specialists']} specialist(s)\t{row['name_ru']} / {row['name_en']}")


@profiles_group.command("set")
@click.argument("code")
@click.option("--ru", "name_ru", required=True, help="Name in Russian.")
@click.option("--en", "name_en", required=True, help="Name in English.")
@click.option("--inactive", is_flag=True, help="Take the profile off the list (requests keep it).")
@with_appcontext
def profiles_set(code: str, name_ru: str, name_en: str, inactive: bool) -> None:
    """Add or change a profile by its code."""
    try:
        row = profiles.save(code, name_ru, name_en, active=not inactive)
    except profiles.ProfileError as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    click.echo(f"saved {row.code} ({'active' if row.active else 'inactive'})")
