"""Alembic environment: the app's metadata, and the connection handed over by sep_core.migrate."""

from alembic import context

from sep_core.extensions import db

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through `sep db upgrade`, which provides the app's connection.")

context.configure(
    connection=connection,
    target_metadata=db.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
