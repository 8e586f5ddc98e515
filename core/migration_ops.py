"""Migration helpers: database rules that only PostgreSQL can hold.

The embedded SQLite of `make run` cannot check against the current date, so these constraints
exist on PostgreSQL (production and tests) only; the services enforce the same rule everywhere.
"""

from __future__ import annotations

from django.db import migrations
from django.db.migrations.operations.base import Operation

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


def postgresql_trigram_indexes(table: str, columns: dict[str, str]) -> migrations.RunPython:
    """GIN trigram indexes (pg_trgm) on UPPER(column), as Django's `icontains` compiles on
    PostgreSQL (`UPPER("column"::text) LIKE UPPER('%word%')`), so a search for part of a name
    reads the index instead of every row. `columns`: column -> index name. PostgreSQL only."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column, name in columns.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
            )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in columns.values():
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forwards, backwards)


def postgresql_stored_search_vector(
    table: str, column: str, sources: tuple[str, ...], index: str
) -> migrations.RunPython:
    """For a large table: the German text-search vector of `sources` kept in `column` by the
    database (PostgreSQL's own `tsvector_update_trigger`, on every insert and update), filled for
    the rows there are, with a GIN index. Searching and ranking then read the stored vector
    instead of parsing every candidate's text again. PostgreSQL only: on SQLite the column stays
    empty and the search matches words instead."""
    trigger = f"{table}_{column}_trigger"
    parts = " || ' ' || ".join(f"COALESCE(\"{source}\", '')" for source in sources)
    source_list = ", ".join(f'"{source}"' for source in sources)

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f'CREATE TRIGGER "{trigger}" BEFORE INSERT OR UPDATE ON "{table}" FOR EACH ROW '
            f'EXECUTE FUNCTION tsvector_update_trigger("{column}", '
            f"'pg_catalog.{SEARCH_CONFIG}', {source_list})"
        )
        # Names from the migration's own constants, never from input.
        schema_editor.execute(
            f'UPDATE "{table}" SET "{column}" = '  # noqa: S608
            f"to_tsvector('pg_catalog.{SEARCH_CONFIG}'::regconfig, {parts})"
        )
        schema_editor.execute(f'CREATE INDEX "{index}" ON "{table}" USING gin ("{column}")')

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"')

    return migrations.RunPython(forwards, backwards)


def sqlite_triggers_paused(*operations: Operation) -> list[Operation]:
    """`operations` with the SQLite triggers dropped before and created again after them.

    SQLite alters a table by building a new one and renaming it into place; a trigger that names
    the table (the budget summary's, projects/0006 and 0007) breaks that rename with "no such
    table". Elsewhere the triggers stay: PostgreSQL alters tables in place.
    """
    saved: list[tuple[str, str]] = []

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            saved[:] = cursor.fetchall()
        for name, _sql in saved:
            schema_editor.execute(f'DROP TRIGGER "{name}"')

    def create(apps, schema_editor):
        for _name, sql in saved:
            schema_editor.execute(sql)
        saved.clear()

    return [migrations.RunPython(drop, create), *operations, migrations.RunPython(create, drop)]
