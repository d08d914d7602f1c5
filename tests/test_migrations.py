"""Migrations from an empty database give exactly the schema of the models (core and every
built-in plugin), on SQLite and on PostgreSQL (the PostgreSQL tier runs this file too)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from sep_core import db
from sep_core.cli import main as sep_cli
from sep_core.migrate import current_heads, upgrade


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_from_empty_equal_the_models(make_app):
    app = make_app(create_tables=False)  # every built-in plugin
    upgrade(app)
    assert schema_differences(app) == []
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"users", "inquiries", "outbox", "audit_log", "inbound_events", "alembic_version"} <= tables
    # at the head of every branch: the core and each plugin that ships migrations
    from alembic.script import ScriptDirectory

    from sep_core.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(app))
    applied = {rev.revision for rev in script.iterate_revisions(tuple(current_heads(app)), "base")}
    assert applied == {rev.revision for rev in script.walk_revisions()}


def test_upgrade_is_idempotent_and_sep_db_upgrade_reports_heads(make_app):
    app = make_app(create_tables=False)
    runner = app.test_cli_runner()
    first = runner.invoke(sep_cli, ["db", "upgrade"])
    second = runner.invoke(sep_cli, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert first.output == second.output
    assert "Database at:" in first.output


def test_sep_init_uses_migrations(make_app):
    app = make_app(create_tables=False)
    result = app.test_cli_runner().invoke(sep_cli, ["init"])
    assert result.exit_code == 0, result.output
    assert current_heads(app)


def test_hook_sep_migration_dirs(make_app, tmp_path):
    from sep_core import hookimpl

    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "extra_0001.py").write_text(
        'revision = "extra_0001"\ndown_revision = None\nbranch_labels = ("extra",)\ndepends_on = "core_0001"\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        "def upgrade():\n    op.create_table('extra_notes', sa.Column('id', sa.Integer, primary_key=True))\n\n"
        "def downgrade():\n    op.drop_table('extra_notes')\n")

    class Extra:
        @hookimpl
        def sep_migration_dirs(self):
            return [str(versions)]

    app = make_app({"SEP_PLUGINS": []}, plugins=[("extra", Extra())], create_tables=False)
    upgrade(app)
    assert "extra_0001" in current_heads(app)
    with app.app_context():
        assert "extra_notes" in inspect(db.engine).get_table_names()
