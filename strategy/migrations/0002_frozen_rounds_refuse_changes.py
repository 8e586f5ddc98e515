"""A frozen reporting round cannot change: triggers in the database refuse every UPDATE and
DELETE of a frozen round, of its reports and their values, and of the link to its spaces; also
against the admin and raw SQL from the portal's own database user. (Only an owner who drops the
trigger could; the round's digest chain shows that afterwards.)"""

from django.db import migrations

MESSAGE = "strategy: a frozen reporting round cannot be changed"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION strategy_refuse_frozen() RETURNS trigger AS $$
DECLARE
    round_id bigint;
    frozen boolean;
BEGIN
    IF TG_TABLE_NAME = 'strategy_round' THEN
        round_id := OLD.id;
    ELSIF TG_TABLE_NAME = 'strategy_submission' THEN
        round_id := OLD.round_id;
    ELSIF TG_TABLE_NAME = 'strategy_round_spaces' THEN
        round_id := OLD.round_id;
    ELSE
        SELECT s.round_id INTO round_id FROM strategy_submission s WHERE s.id = OLD.submission_id;
    END IF;
    SELECT r.status = 'frozen' INTO frozen FROM strategy_round r WHERE r.id = round_id;
    IF frozen THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION strategy_refuse_into_frozen() RETURNS trigger AS $$
DECLARE
    round_id bigint;
BEGIN
    IF TG_TABLE_NAME = 'strategy_submittedvalue' THEN
        SELECT s.round_id INTO round_id FROM strategy_submission s WHERE s.id = NEW.submission_id;
    ELSE
        round_id := NEW.round_id;
    END IF;
    IF EXISTS (SELECT 1 FROM strategy_round r WHERE r.id = round_id AND r.status = 'frozen') THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER strategy_round_frozen BEFORE UPDATE OR DELETE ON strategy_round
    FOR EACH ROW EXECUTE FUNCTION strategy_refuse_frozen();
CREATE TRIGGER strategy_submission_frozen BEFORE UPDATE OR DELETE ON strategy_submission
    FOR EACH ROW EXECUTE FUNCTION strategy_refuse_frozen();
CREATE TRIGGER strategy_submittedvalue_frozen BEFORE UPDATE OR DELETE ON strategy_submittedvalue
    FOR EACH ROW EXECUTE FUNCTION strategy_refuse_frozen();
CREATE TRIGGER strategy_round_spaces_frozen BEFORE UPDATE OR DELETE ON strategy_round_spaces
    FOR EACH ROW EXECUTE FUNCTION strategy_refuse_frozen();
CREATE TRIGGER strategy_submission_into_frozen BEFORE INSERT ON strategy_submission
    FOR EACH ROW EXECUTE FUNCTION strategy_refuse_into_frozen();
CREATE TRIGGER strategy_submittedvalue_into_frozen BEFORE INSERT ON strategy_submittedvalue
    FOR EACH ROW EXECUTE FUNCTION strategy_refuse_into_frozen();
CREATE TRIGGER strategy_round_spaces_into_frozen BEFORE INSERT ON strategy_round_spaces
    FOR EACH ROW EXECUTE FUNCTION strategy_refuse_into_frozen();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS strategy_round_frozen ON strategy_round;
DROP TRIGGER IF EXISTS strategy_submission_frozen ON strategy_submission;
DROP TRIGGER IF EXISTS strategy_submittedvalue_frozen ON strategy_submittedvalue;
DROP TRIGGER IF EXISTS strategy_round_spaces_frozen ON strategy_round_spaces;
DROP TRIGGER IF EXISTS strategy_submission_into_frozen ON strategy_submission;
DROP TRIGGER IF EXISTS strategy_submittedvalue_into_frozen ON strategy_submittedvalue;
DROP TRIGGER IF EXISTS strategy_round_spaces_into_frozen ON strategy_round_spaces;
DROP FUNCTION IF EXISTS strategy_refuse_frozen();
DROP FUNCTION IF EXISTS strategy_refuse_into_frozen();
"""


def _sqlite_triggers() -> list[str]:
    """The same refusals in SQLite's trigger language (the embedded default of `make run`)."""
    frozen = "(SELECT status FROM strategy_round WHERE id = {}) = 'frozen'"
    raise_ = f"SELECT RAISE(ABORT, '{MESSAGE}');"
    statements = []
    for event in ("UPDATE", "DELETE"):
        statements += [
            f"CREATE TRIGGER strategy_round_frozen_{event.lower()} BEFORE {event} ON strategy_round "
            f"WHEN OLD.status = 'frozen' BEGIN {raise_} END;",
            f"CREATE TRIGGER strategy_submission_frozen_{event.lower()} BEFORE {event} "
            f"ON strategy_submission WHEN {frozen.format('OLD.round_id')} BEGIN {raise_} END;",
            f"CREATE TRIGGER strategy_round_spaces_frozen_{event.lower()} BEFORE {event} "
            f"ON strategy_round_spaces WHEN {frozen.format('OLD.round_id')} BEGIN {raise_} END;",
            f"CREATE TRIGGER strategy_submittedvalue_frozen_{event.lower()} BEFORE {event} "
            "ON strategy_submittedvalue WHEN "
            + frozen.format(
                "(SELECT round_id FROM strategy_submission WHERE id = OLD.submission_id)"
            )
            + f" BEGIN {raise_} END;",
        ]
    statements += [
        f"CREATE TRIGGER strategy_submission_into_frozen BEFORE INSERT ON strategy_submission "
        f"WHEN {frozen.format('NEW.round_id')} BEGIN {raise_} END;",
        f"CREATE TRIGGER strategy_round_spaces_into_frozen BEFORE INSERT ON strategy_round_spaces "
        f"WHEN {frozen.format('NEW.round_id')} BEGIN {raise_} END;",
        "CREATE TRIGGER strategy_submittedvalue_into_frozen BEFORE INSERT "
        "ON strategy_submittedvalue WHEN "
        + frozen.format("(SELECT round_id FROM strategy_submission WHERE id = NEW.submission_id)")
        + f" BEGIN {raise_} END;",
    ]
    return statements


SQLITE_NAMES = [
    *(
        f"strategy_{table}_frozen_{event}"
        for table in ("round", "submission", "round_spaces", "submittedvalue")
        for event in ("update", "delete")
    ),
    "strategy_submission_into_frozen",
    "strategy_round_spaces_into_frozen",
    "strategy_submittedvalue_into_frozen",
]


def create(apps, schema_editor):  # noqa: ANN001, ANN201 - a migration's signature
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in _sqlite_triggers():
            schema_editor.execute(statement)


def drop(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif schema_editor.connection.vendor == "sqlite":
        for name in SQLITE_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [("strategy", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
