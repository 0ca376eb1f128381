"""Alembic's environment for factcheck's storage: migrations run on the connection the service hands
over (``config.attributes["connection"]``), never on a URL read from a file."""

from alembic import context

from factcheck.cli.store import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
