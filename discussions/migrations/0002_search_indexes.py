from django.db import migrations

from core.migration_ops import postgresql_search_index


class Migration(migrations.Migration):
    dependencies = [("discussions", "0001_initial")]

    operations = [
        postgresql_search_index("discussions_thread", "thread_search_idx", ("title",)),
    ]
