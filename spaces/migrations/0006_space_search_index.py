from django.db import migrations

from core.migration_ops import postgresql_search_index


class Migration(migrations.Migration):
    dependencies = [("spaces", "0005_alter_membership_since_alter_membership_until")]

    operations = [
        postgresql_search_index(
            "spaces_space",
            "space_search_idx",
            ("name_de", "name_en", "description_de", "description_en"),
        )
    ]
