from django.db import migrations

from core.migration_ops import postgresql_search_index


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [
        postgresql_search_index(
            "documents_document", "document_search_idx", ("title", "description")
        )
    ]
