"""``sep registry ...`` commands."""

from __future__ import annotations

from pathlib import Path

import click

from sep_core import plugin_settings

from . import importer


def register(cli: click.Group) -> None:
    @cli.group("registry")
    def registry() -> None:
        """The ЭПТС registry (epts_registry plugin)."""

    @registry.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_command(path: Path) -> None:
        """Import vehicles and owners from a CSV or JSON Lines file, in one transaction."""
        mode = str(plugin_settings("epts_registry")["vin_check_digit"])
        try:
            rows = importer.parse_all(importer.read_rows(path), mode)

            def progress(items):
                return click.progressbar(items, label="Importing", length=len(items), show_pos=True)

            created, updated = importer.write(rows, progress)
        except importer.ImportFailed as exc:
            for line in exc.errors[:50]:
                click.echo(line, err=True)
            if len(exc.errors) > 50:
                click.echo(f"... and {len(exc.errors) - 50} more", err=True)
            raise click.ClickException(f"nothing imported: {len(exc.errors)} error(s)") from None
        except UnicodeDecodeError:
            raise click.ClickException("nothing imported: the file is not UTF-8 text") from None
        click.echo(f"Imported {created + updated} vehicle(s): {created} new, {updated} updated.")

    @registry.command("demo")
    def demo_command() -> None:
        """Write the synthetic demo set (when the registry is empty)."""
        from sep_core import db

        from . import demo_data

        written = demo_data.load(int(plugin_settings("epts_registry")["demo_vehicles"]))
        db.session.commit()
        click.echo(f"Wrote {written} demo vehicle(s).")
