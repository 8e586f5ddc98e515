"""Budget sums per project and fiscal year, kept by the database in the same transaction as
every write to budget lines (statement-level triggers with transition tables on PostgreSQL,
row triggers on the SQLite of `make run`), and a version counter for exact caching.

Why triggers and not the services: every path that writes lines keeps the sums exact, also
those no service sees (the cascade when a project is deleted, bulk loads, the admin, a repair by
hand); concurrent transactions add their deltas under PostgreSQL's row locks (INSERT ... ON
CONFLICT DO UPDATE), so no write can lose another's change. The SQL is written out here and
never imported: a migration must mean the same thing forever.
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

AMOUNTS = ("planned", "revised", "committed", "actual")
COLUMNS = ", ".join(
    ["project_id", "fiscal_year_id", "line_count", *AMOUNTS, *(f"programme_{a}" for a in AMOUNTS)]
)
ADD = ", ".join(
    f"{c} = s.{c} + EXCLUDED.{c}"
    for c in ["line_count", *AMOUNTS, *(f"programme_{a}" for a in AMOUNTS)]
)

# --- PostgreSQL ---------------------------------------------------------------------------------

PG_DELTA = {
    "new": "SELECT project_id, fiscal_year_id, funding_source_id, 1 AS n, "
    + ", ".join(AMOUNTS)
    + " FROM new_lines",
    "old": "SELECT project_id, fiscal_year_id, funding_source_id, -1 AS n, "
    + ", ".join(f"-{a} AS {a}" for a in AMOUNTS)
    + " FROM old_lines",
}
PG_GROUPED = (
    "SELECT d.project_id, d.fiscal_year_id, SUM(d.n), "
    + ", ".join(f"SUM(d.{a})" for a in AMOUNTS)
    + ", "
    + ", ".join(f"SUM(CASE WHEN f.is_programme THEN d.{a} ELSE 0 END)" for a in AMOUNTS)
    + " FROM ({delta}) d JOIN projects_fundingsource f ON f.id = d.funding_source_id"
    " GROUP BY d.project_id, d.fiscal_year_id ORDER BY d.project_id, d.fiscal_year_id"
)


def pg_apply_function(name: str, parts: tuple[str, ...]) -> str:
    delta = " UNION ALL ".join(PG_DELTA[p] for p in parts)
    keys = " UNION ".join(f"SELECT project_id, fiscal_year_id FROM {p}_lines" for p in parts)
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The version first: every budget transaction takes the same lock first (no deadlock).
    PERFORM projects_budget_version_bump();
    INSERT INTO projects_budgetsummary AS s ({COLUMNS})
        {PG_GROUPED.format(delta=delta)}
    ON CONFLICT (project_id, fiscal_year_id) DO UPDATE SET {ADD};
    DELETE FROM projects_budgetsummary s USING ({keys}) k
    WHERE s.project_id = k.project_id AND s.fiscal_year_id = k.fiscal_year_id
      AND s.line_count = 0;
    RETURN NULL;
END $$;
"""


PG_REBUILD = f"""
CREATE FUNCTION projects_budget_summary_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM projects_budget_version_bump();
    LOCK TABLE projects_budgetsummary IN EXCLUSIVE MODE;
    DELETE FROM projects_budgetsummary;
    INSERT INTO projects_budgetsummary AS s ({COLUMNS})
        {
    PG_GROUPED.format(
        delta="SELECT project_id, fiscal_year_id, funding_source_id, 1 AS n, "
        + ", ".join(AMOUNTS)
        + " FROM projects_budgetline"
    )
};
END $$;
"""

PG_FORWARDS = [
    "CREATE SEQUENCE projects_budget_version_seq",
    """
CREATE FUNCTION projects_budget_version_bump() RETURNS void LANGUAGE sql AS $$
    INSERT INTO projects_budgetversion (id, counter)
    VALUES (1, nextval('projects_budget_version_seq'))
    ON CONFLICT (id) DO UPDATE SET counter = EXCLUDED.counter
$$;
""",
    pg_apply_function("projects_budget_summary_insert", ("new",)),
    pg_apply_function("projects_budget_summary_update", ("old", "new")),
    pg_apply_function("projects_budget_summary_delete", ("old",)),
    PG_REBUILD,
    """
CREATE FUNCTION projects_budget_version_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM projects_budget_version_bump(); RETURN NULL; END $$;
""",
    """
CREATE FUNCTION projects_budget_summary_rebuild_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM projects_budget_summary_rebuild(); RETURN NULL; END $$;
""",
    "CREATE TRIGGER projects_budget_summary_insert AFTER INSERT ON projects_budgetline "
    "REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT "
    "EXECUTE FUNCTION projects_budget_summary_insert()",
    "CREATE TRIGGER projects_budget_summary_update AFTER UPDATE ON projects_budgetline "
    "REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT "
    "EXECUTE FUNCTION projects_budget_summary_update()",
    "CREATE TRIGGER projects_budget_summary_delete AFTER DELETE ON projects_budgetline "
    "REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT "
    "EXECUTE FUNCTION projects_budget_summary_delete()",
    # Which sources count against the programme changed: sum the programme share anew.
    "CREATE TRIGGER projects_budget_summary_sources AFTER UPDATE OF is_programme "
    "ON projects_fundingsource FOR EACH STATEMENT "
    "EXECUTE FUNCTION projects_budget_summary_rebuild_trigger()",
    "CREATE TRIGGER projects_budget_version_programme "
    "AFTER INSERT OR UPDATE OR DELETE ON projects_programmebudget FOR EACH STATEMENT "
    "EXECUTE FUNCTION projects_budget_version_trigger()",
    "SELECT projects_budget_summary_rebuild()",
]

PG_BACKWARDS = [
    "DROP TRIGGER IF EXISTS projects_budget_version_programme ON projects_programmebudget",
    "DROP TRIGGER IF EXISTS projects_budget_summary_sources ON projects_fundingsource",
    "DROP TRIGGER IF EXISTS projects_budget_summary_delete ON projects_budgetline",
    "DROP TRIGGER IF EXISTS projects_budget_summary_update ON projects_budgetline",
    "DROP TRIGGER IF EXISTS projects_budget_summary_insert ON projects_budgetline",
    "DROP FUNCTION IF EXISTS projects_budget_summary_rebuild_trigger()",
    "DROP FUNCTION IF EXISTS projects_budget_version_trigger()",
    "DROP FUNCTION IF EXISTS projects_budget_summary_rebuild()",
    "DROP FUNCTION IF EXISTS projects_budget_summary_delete()",
    "DROP FUNCTION IF EXISTS projects_budget_summary_update()",
    "DROP FUNCTION IF EXISTS projects_budget_summary_insert()",
    "DROP FUNCTION IF EXISTS projects_budget_version_bump()",
    "DROP SEQUENCE IF EXISTS projects_budget_version_seq",
]

# --- SQLite (`make run`): the same sums with row triggers --------------------------------------

SQLITE_BUMP = (
    "INSERT INTO projects_budgetversion (id, counter) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET counter = counter + 1;"
)


SQLITE_ADD = ", ".join(
    f"{c} = {c} + excluded.{c}"
    for c in ["line_count", *AMOUNTS, *(f"programme_{a}" for a in AMOUNTS)]
)


def sqlite_add(row: str, sign: str) -> str:
    amounts = ", ".join(f"{sign}{row}.{a}" for a in AMOUNTS)
    programme = ", ".join(
        f"CASE WHEN f.is_programme THEN {sign}{row}.{a} ELSE 0 END" for a in AMOUNTS
    )
    return (
        f"INSERT INTO projects_budgetsummary ({COLUMNS}) "
        f"SELECT {row}.project_id, {row}.fiscal_year_id, {sign}1, {amounts}, {programme} "
        f"FROM projects_fundingsource f WHERE f.id = {row}.funding_source_id "
        f"ON CONFLICT (project_id, fiscal_year_id) DO UPDATE SET {SQLITE_ADD};"
        f"DELETE FROM projects_budgetsummary WHERE line_count = 0 "
        f"AND project_id = {row}.project_id AND fiscal_year_id = {row}.fiscal_year_id;"
    )


SQLITE_CLEAR = "DELETE FROM projects_budgetsummary;"
SQLITE_REBUILD = (
    f"INSERT INTO projects_budgetsummary ({COLUMNS}) "
    "SELECT l.project_id, l.fiscal_year_id, COUNT(*), "
    + ", ".join(f"SUM(l.{a})" for a in AMOUNTS)
    + ", "
    + ", ".join(f"SUM(CASE WHEN f.is_programme THEN l.{a} ELSE 0 END)" for a in AMOUNTS)
    + " FROM projects_budgetline l JOIN projects_fundingsource f ON f.id = l.funding_source_id"
    " GROUP BY l.project_id, l.fiscal_year_id;"
)

SQLITE_FORWARDS = [
    "CREATE TRIGGER projects_budget_summary_insert AFTER INSERT ON projects_budgetline BEGIN "
    + SQLITE_BUMP
    + sqlite_add("NEW", "")
    + " END",
    "CREATE TRIGGER projects_budget_summary_update AFTER UPDATE ON projects_budgetline BEGIN "
    + SQLITE_BUMP
    + sqlite_add("OLD", "-")
    + sqlite_add("NEW", "")
    + " END",
    "CREATE TRIGGER projects_budget_summary_delete AFTER DELETE ON projects_budgetline BEGIN "
    + SQLITE_BUMP
    + sqlite_add("OLD", "-")
    + " END",
    "CREATE TRIGGER projects_budget_summary_sources AFTER UPDATE OF is_programme "
    "ON projects_fundingsource BEGIN " + SQLITE_BUMP + SQLITE_CLEAR + SQLITE_REBUILD + " END",
    *(
        f"CREATE TRIGGER projects_budget_version_programme_{event.lower()} AFTER {event} "
        f"ON projects_programmebudget BEGIN {SQLITE_BUMP} END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    SQLITE_CLEAR,
    SQLITE_REBUILD,
]

SQLITE_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "projects_budget_summary_insert",
        "projects_budget_summary_update",
        "projects_budget_summary_delete",
        "projects_budget_summary_sources",
        "projects_budget_version_programme_insert",
        "projects_budget_version_programme_update",
        "projects_budget_version_programme_delete",
    )
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_projectguest_since"),
    ]

    operations = [
        migrations.CreateModel(
            name="BudgetVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("counter", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "Budgetstand",
                "verbose_name_plural": "Budgetstände",
            },
        ),
        migrations.CreateModel(
            name="BudgetSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("line_count", models.IntegerField(default=0)),
                (
                    "planned",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "revised",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "committed",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "actual",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "programme_planned",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "programme_revised",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "programme_committed",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "programme_actual",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=16),
                ),
                (
                    "fiscal_year",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.fiscalyear",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "verbose_name": "Budgetsumme",
                "verbose_name_plural": "Budgetsummen",
                "indexes": [models.Index(fields=["fiscal_year"], name="budget_summary_year_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "fiscal_year"),
                        name="budget_summary_one_per_project_year",
                    )
                ],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": PG_FORWARDS, "sqlite": SQLITE_FORWARDS}),
            _run({"postgresql": PG_BACKWARDS, "sqlite": SQLITE_BACKWARDS}),
        ),
    ]
