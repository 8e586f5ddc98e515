from django.db import migrations

from core.migration_ops import postgresql_search_index


class Migration(migrations.Migration):
    dependencies = [("projects", "0007_budget_version_on_project_moves")]

    operations = [
        postgresql_search_index(
            "projects_project", "project_search_idx", ("title", "summary", "description")
        )
    ]
