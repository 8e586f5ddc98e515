from django.db import migrations

from core.migration_ops import postgresql_trigram_indexes


class Migration(migrations.Migration):
    """Parts of names and functions found through an index (the search, the people pickers)."""

    dependencies = [("contacts", "0014_authority_english_names")]

    operations = [
        postgresql_trigram_indexes(
            "contacts_user",
            {
                "first_name": "user_first_name_trgm",
                "last_name": "user_last_name_trgm",
                "email": "user_email_trgm",
            },
        ),
        postgresql_trigram_indexes("contacts_person", {"function": "person_function_trgm"}),
    ]
