"""``sep social ...``: housekeeping of the social channels (run from cron or a timer)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from sep_core import current_state, plugin_settings, prune_inbound_events


@click.group("social", help="Social network channels (channel_social).")
def social():
    pass


@social.command("prune", help="Forget webhook event ids older than the retention (at least 24 hours).")
@click.option("--keep-hours", type=click.IntRange(min=24), default=None,
              help="Hours to keep (default: the event_retention_hours setting).")
@with_appcontext
def prune(keep_hours):
    hours = keep_hours or max(24, int(plugin_settings("channel_social")["event_retention_hours"]))
    total = sum(prune_inbound_events(timedelta(hours=hours), channel=name) for name in social_channels())
    click.echo(f"deleted {total} event id(s) older than {hours} h")


@social.command("poll", help="Poll the networks without webhooks (YouTube comments) once.")
@with_appcontext
def poll():
    for name, channel in social_channels().items():
        if hasattr(channel, "poll"):
            click.echo(f"{name}: {channel.poll()} new message(s)")


def social_channels() -> dict:
    from .base import SocialChannel

    return {name: ch for name, ch in current_state().channels.items() if isinstance(ch, SocialChannel)}
