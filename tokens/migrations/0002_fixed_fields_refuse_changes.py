"""A token's owner, key, hash, pepper, access, space limit, creation and expiry cannot change
after it was made: a trigger refuses such an UPDATE, also from the admin or raw SQL (netbox
#22820). Its name, last use and revocation may change; deleting it (with its owner) stays
possible. On PostgreSQL and on the SQLite of `make run`."""

from django.db import migrations

MESSAGE = "tokens: owner, secret, scope and expiry of a token cannot be changed"
COLUMNS = (
    "owner_id",
    "key_id",
    "digest",
    "pepper_id",
    "can_write",
    "limited_to_spaces",
    "created_at",
    "expires_at",
)

POSTGRES = f"""
CREATE OR REPLACE FUNCTION tokens_refuse_fixed_change() RETURNS trigger AS $$
BEGIN
    IF {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in COLUMNS)} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tokens_apitoken_fixed BEFORE UPDATE ON tokens_apitoken
    FOR EACH ROW EXECUTE FUNCTION tokens_refuse_fixed_change();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS tokens_apitoken_fixed ON tokens_apitoken;
DROP FUNCTION IF EXISTS tokens_refuse_fixed_change();
"""

SQLITE = f"""
CREATE TRIGGER tokens_apitoken_fixed BEFORE UPDATE ON tokens_apitoken
WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)}
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
"""

SQLITE_DROP = "DROP TRIGGER IF EXISTS tokens_apitoken_fixed;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("tokens", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
