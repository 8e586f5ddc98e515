"""Migration helpers: database rules that only PostgreSQL can hold.

The embedded SQLite of `make run` cannot check against the current date, so these constraints
exist on PostgreSQL (production and tests) only; the services enforce the same rule everywhere.
"""

from __future__ import annotations

from django.db import migrations

# Written out here, not read from settings: a migration must mean the same thing forever.
GUEST_UNTIL_WITHIN_365_DAYS = (
    "\"until\" <= ((CURRENT_TIMESTAMP AT TIME ZONE 'Europe/Berlin')::date + 365)"
)


def postgresql_check(table: str, name: str, condition: str) -> migrations.RunPython:
    """Add CHECK (condition) to `table` on PostgreSQL; a no-op elsewhere."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ({condition})'
            )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')

    return migrations.RunPython(forwards, backwards)


# The text-search configuration of the portal's search (search.engine uses the same).
SEARCH_CONFIG = "german"


def postgresql_search_index(
    table: str, name: str, columns: tuple[str, ...]
) -> migrations.RunPython:
    """A GIN index on the German text-search vector of `columns`, written exactly as Django's
    `SearchVector(*columns, config="german")` compiles it, so the planner can use it for the
    search's `@@` condition. PostgreSQL only: on SQLite the search matches words instead."""
    parts = " || ' ' || ".join(f"COALESCE(\"{column}\", '')" for column in columns)
    create = (
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
        f"USING gin (to_tsvector('{SEARCH_CONFIG}'::regconfig, {parts}))"
    )

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forwards, backwards)
