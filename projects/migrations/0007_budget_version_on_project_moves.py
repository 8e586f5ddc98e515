"""The budget version also changes when a project moves to another primary space or lead
authority: the cockpit's roll-ups by space and authority are cached under it."""

from django.db import migrations

CONDITION = (
    "OLD.primary_space_id IS DISTINCT FROM NEW.primary_space_id "
    "OR OLD.lead_authority_id IS DISTINCT FROM NEW.lead_authority_id"
)
FORWARDS = {
    "postgresql": [
        "CREATE TRIGGER projects_budget_version_project_moved "
        "AFTER UPDATE OF primary_space_id, lead_authority_id ON projects_project "
        f"FOR EACH ROW WHEN ({CONDITION}) EXECUTE FUNCTION projects_budget_version_trigger()"
    ],
    "sqlite": [
        "CREATE TRIGGER projects_budget_version_project_moved "
        "AFTER UPDATE OF primary_space_id, lead_authority_id ON projects_project "
        f"WHEN {CONDITION} BEGIN "
        "INSERT INTO projects_budgetversion (id, counter) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET counter = counter + 1; END"
    ],
}
BACKWARDS = {
    "postgresql": ["DROP TRIGGER IF EXISTS projects_budget_version_project_moved ON projects_project"],
    "sqlite": ["DROP TRIGGER IF EXISTS projects_budget_version_project_moved"],
}


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_budget_summary")]

    operations = [migrations.RunPython(_run(FORWARDS), _run(BACKWARDS))]
