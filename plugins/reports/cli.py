"""``sep reports ...`` commands."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from . import figures


@click.group("reports")
def group() -> None:
    """The centre's figures (the numbers of /desk/reports)."""


@group.command("summary")
@click.option("--from", "first", help="First day, YYYY-MM-DD (default: 13 days before --to).")
@click.option("--to", "last", help="Last day, YYYY-MM-DD (default: today, Moscow time).")
@click.option("--channel", default="", help="Only this channel (web, phone, vk, ...).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def summary(first: str | None, last: str | None, channel: str, as_json: bool) -> None:
    """The report for a period: the same figures as the page and the CSV."""
    try:
        period = figures.parse_period(first, last, channel)
    except figures.PeriodError as exc:
        raise click.UsageError(str(exc)) from None
    report = figures.build(period)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    for row in figures.csv_rows(report)[1:]:
        click.echo("\t".join(str(v) for v in row))
