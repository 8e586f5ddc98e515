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
