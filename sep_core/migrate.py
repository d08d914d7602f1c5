"""Alembic, wired to the app: one environment, the core branch plus one labelled branch per
plugin (``sep_migration_dirs``). Upgrades always go to ``heads``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from flask import Flask

from .extensions import db

SCRIPT_LOCATION = Path(__file__).parent / "migrations"


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    dirs = app.extensions["sep"].migration_dirs
    cfg.set_main_option("version_locations", " ".join(dirs))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%"))
    return cfg


def upgrade(app: Flask, target: str = "heads") -> None:
    """Bring the database to the newest revision of every enabled branch."""
    with app.app_context():
        cfg = alembic_config(app)
        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, target)


def current_heads(app: Flask) -> set[str]:
    with app.app_context(), db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def revision(app: Flask, message: str, branch: str, version_path: str | None = None) -> None:
    """Autogenerate a revision on a branch (a developer command, ``sep db revision``)."""
    with app.app_context():
        cfg = alembic_config(app)
        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.revision(cfg, message=message, autogenerate=True, head=f"{branch}@head",
                             version_path=version_path)
