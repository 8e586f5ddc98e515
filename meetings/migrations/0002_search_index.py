from django.db import migrations

from core.migration_ops import postgresql_search_index


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [
        postgresql_search_index(
            "meetings_meeting", "meeting_search_idx", ("title", "place", "agenda")
        )
    ]
